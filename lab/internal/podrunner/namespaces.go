package podrunner

// Which namespaces the pod runner runs hollow-node pods in: those the extension
// set up (its managed-by label, put on every namespace its Deploy, Scaffold and
// Deploy This Manifest create) and those the lab lists (lab.json
// hollowNamespaces, from KUBEMARK_LAB_HOLLOW_NAMESPACES; default "kubemark").
// A hollow-node pod anywhere else gets a NotRun event saying how to allow its
// namespace, and nothing of it runs.

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The label the extension puts on the namespaces it creates (src/core/manifest/options.ts).
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "kubemark-workbench"
)

// The label a user puts on a namespace of their own to let the lab run its
// hollow-node pods. Unlike the managed-by label it claims no ownership: the
// extension's Tear Down never removes a namespace for it.
const (
	AllowLabel = "kubemark-lab/hollow-nodes"
	AllowValue = "run"
)

// DefaultHollowNamespaces are the namespaces the lab allows without the label.
var DefaultHollowNamespaces = []string{"kubemark"}

// namespaceAllowed says whether hollow-node pods of namespace ns may run.
func (r *Runner) namespaceAllowed(ns string) (bool, error) {
	for _, n := range r.cfg.HollowNamespaces {
		if n == ns {
			return true, nil
		}
	}
	if r.getNamespace == nil {
		return false, nil
	}
	o, err := r.getNamespace(ns)
	if err != nil || o == nil {
		return false, err
	}
	return o.Labels[ManagedByLabel] == ManagedByValue || o.Labels[AllowLabel] == AllowValue, nil
}

// namespaceNotAllowedMsg is the NotRun message of a hollow-node pod in namespace ns.
func namespaceNotAllowedMsg(ns string, listed []string) string {
	list := "none"
	if len(listed) > 0 {
		list = strings.Join(listed, ",")
	}
	return fmt.Sprintf("kubemark-lab runs hollow-node pods only in namespaces the extension or the lab set up, and namespace %q is neither; nothing of this pod runs. "+
		"Label the namespace (kubectl label namespace %s %s=%s: it stays yours, its pods then start; namespaces the extension creates carry %s=%s and run already), "+
		"or add it to the lab's list (KUBEMARK_LAB_HOLLOW_NAMESPACES=%s,%s, lab.json hollowNamespaces) and start the lab again (lab:down, lab:up)",
		ns, ns, AllowLabel, AllowValue, ManagedByLabel, ManagedByValue, list, ns)
}

// ParseNamespaces splits a comma-separated list of namespaces.
func ParseNamespaces(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// podKeysIn: the queue keys of pods (a namespace's, checked again when its labels change).
func podKeysIn(pods []*corev1.Pod) []string {
	out := make([]string, 0, len(pods))
	for _, p := range pods {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}
