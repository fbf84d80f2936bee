package podrunner

// Confinement of a container's files: kubemark runs on the host's file system
// (as root, usually), so every file its command line names must be one its pod
// mounts. After the mount paths are mapped to their host folders (argv.go),
// an absolute path must lie in the pod's folder (pods/<pod>/: its volumes, tmp)
// or in its node's folder (nodes/<node>/: hostPath volumes); in a container of
// its own mount namespace, also under /tmp (the pod's tmp/) or /run (a tmpfs
// holding only its volumes), but not in a lab folder kept visible under /tmp. A
// relative path may not climb out of the working directory with "..". Anything
// else — `--kubeconfig=/…/.kubemark-lab/kubeconfig`, `/root/.kube/config` —
// is refused with a NotRun event and the container does not run.

import (
	"fmt"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// notRunError is a container the lab refuses for good (no restart).
type notRunError struct{ msg string }

func (e *notRunError) Error() string { return e.msg }

// containerRoots are the host folders a container's files may lie in.
func (r *Runner) containerRoots(pr *podRun, p *corev1.Pod) []string {
	node := p.Spec.NodeName
	if node == "" {
		node = "_unscheduled"
	}
	return []string{pr.dir, filepath.Join(r.nodesDir, node)}
}

// privateDirs are the container's own /tmp and /run (mount namespace only) and
// the lab folders that stay visible under /tmp there.
func (r *Runner) privateDirs() (private, kept []string) {
	if !r.mountNS {
		return nil, nil
	}
	for _, k := range []string{r.cfg.Dir, filepath.Dir(r.cfg.Kubemark), filepath.Dir(r.cfg.Self)} {
		if strings.HasPrefix(k, "/tmp/") {
			kept = append(kept, k)
		}
	}
	return []string{"/tmp", "/run"}, kept
}

// pathValue is the path an argument may name: the argument itself, or the value
// of a --flag=value.
func pathValue(arg string) string {
	if strings.HasPrefix(arg, "-") {
		_, v, ok := strings.Cut(arg, "=")
		if !ok {
			return ""
		}
		return v
	}
	return arg
}

func climbs(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return true
		}
	}
	return false
}

// confined says whether the (host) path p lies where a container may reach;
// cwd resolves a relative p.
func confined(p, cwd string, roots, private, kept []string) bool {
	if !filepath.IsAbs(p) {
		if !climbs(p) {
			return true // under the working directory, itself checked
		}
		p = filepath.Join(cwd, p)
	}
	for _, root := range roots {
		if insideDir(p, root) {
			return true
		}
	}
	clean := filepath.Clean(p)
	for _, k := range kept {
		if clean == k || strings.HasPrefix(clean, k+"/") {
			return false
		}
	}
	for _, d := range private {
		if clean == d || strings.HasPrefix(clean, d+"/") {
			return true
		}
	}
	return false
}

// confineLaunch refuses a command line naming a file outside what the pod mounts
// (args after the mount paths were mapped, output files, the working directory).
func (r *Runner) confineLaunch(pr *podRun, p *corev1.Pod, c *corev1.Container, l *launch, cwd string) error {
	roots := r.containerRoots(pr, p)
	private, kept := r.privateDirs()
	refuse := func(what, path string) error {
		return &notRunError{fmt.Sprintf("kubemark-lab: container %q: %s names %s, outside what the pod mounts; "+
			"the lab lets kubemark use only files of the pod's volumeMounts (Secret, ConfigMap, projected, downwardAPI, emptyDir or hostPath volumes): "+
			"mount the file and name its mount path. The container is not run", c.Name, what, path)}
	}
	if !confined(cwd, "/", roots, nil, nil) {
		return refuse("its workingDir", cwd)
	}
	for _, a := range l.args {
		for _, v := range strings.Split(pathValue(a), ",") { // a list of files too
			if (strings.HasPrefix(v, "/") || climbs(v)) && !confined(v, cwd, roots, private, kept) {
				return refuse(fmt.Sprintf("argument %q", a), v)
			}
		}
	}
	for _, rd := range l.redirects {
		if rd.file != "" && !confined(rd.file, cwd, roots, nil, nil) {
			return refuse("its output file", rd.file)
		}
	}
	return r.confineKubeconfigs(pr, p, c, l.args, cwd)
}
