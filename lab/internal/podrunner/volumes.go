package podrunner

// Volumes: Secret, ConfigMap, projected (with service-account tokens) and
// downwardAPI volumes are written from the real objects into the pod's folder;
// hostPath volumes map to the node's folder of the lab (nodes/<node>/<path>);
// everything else is an empty directory.

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// mount is one volumeMount of a container: where the container sees it and
// where it lives on the host.
type mount struct {
	containerPath, hostPath string
	hostPathVolume          bool   // a hostPath volume (lives in the node's folder)
	nodePath                string // its path on the node (hostPath.path)
}

// nodePath maps a hostPath of a node to the lab's folder of that node
// (/var/run is /run, as on the hosts kubemark runs on).
func (r *Runner) nodePath(node, hostPath string) string {
	p := path.Clean("/" + hostPath)
	if p == "/var/run" || strings.HasPrefix(p, "/var/run/") {
		p = strings.TrimPrefix(p, "/var")
	}
	if node == "" {
		node = "_unscheduled"
	}
	return filepath.Join(r.nodesDir, node, p)
}

// materializeVolumes writes the files of the container's volumes into the
// pod's folder and returns the container's mounts, longest path first.
func (r *Runner) materializeVolumes(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container) ([]mount, error) {
	vols := map[string]*corev1.Volume{}
	for i := range p.Spec.Volumes {
		vols[p.Spec.Volumes[i].Name] = &p.Spec.Volumes[i]
	}
	done := map[string]string{}
	var out []mount
	for _, vm := range c.VolumeMounts {
		v, ok := vols[vm.Name]
		if !ok {
			return nil, fmt.Errorf("CreateContainerConfigError: volume %q of mount %s not found in the pod spec", vm.Name, vm.MountPath)
		}
		dir, ok := done[vm.Name]
		if !ok {
			var err error
			if dir, err = r.materializeVolume(ctx, pr, p, v); err != nil {
				return nil, err
			}
			done[vm.Name] = dir
		}
		host := dir
		if vm.SubPath != "" {
			host = filepath.Join(dir, filepath.Clean("/"+vm.SubPath))
		}
		m := mount{containerPath: path.Clean(vm.MountPath), hostPath: host, hostPathVolume: v.HostPath != nil}
		if v.HostPath != nil {
			m.nodePath = v.HostPath.Path
		}
		out = append(out, m)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].containerPath) > len(out[j].containerPath) })
	return out, nil
}

func (r *Runner) hostPathVolume(p *corev1.Pod, v *corev1.Volume) (string, error) {
	host := r.nodePath(p.Spec.NodeName, v.HostPath.Path)
	t := corev1.HostPathUnset
	if v.HostPath.Type != nil {
		t = *v.HostPath.Type
	}
	switch t {
	case corev1.HostPathFileOrCreate:
		if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
			return "", err
		}
		f, err := os.OpenFile(host, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return "", err
		}
		return host, f.Close()
	case corev1.HostPathFile, corev1.HostPathSocket, corev1.HostPathCharDev, corev1.HostPathBlockDev:
		if _, err := os.Stat(host); err != nil && !isContainerdSocket(v.HostPath.Path) {
			return "", fmt.Errorf("MountVolume.SetUp failed for volume %q: hostPath type check failed: %s is not a %s (the lab's node folder is %s)", v.Name, v.HostPath.Path, t, filepath.Dir(host))
		}
		return host, nil
	}
	return host, os.MkdirAll(host, 0o755)
}

// materializeVolume returns the host folder of volume v of pod p.
func (r *Runner) materializeVolume(ctx context.Context, pr *podRun, p *corev1.Pod, v *corev1.Volume) (string, error) {
	if v.HostPath != nil {
		return r.hostPathVolume(p, v)
	}
	final := filepath.Join(pr.dir, "volumes", v.Name)
	files := map[string][]byte{}
	add := func(all map[string][]byte, items []corev1.KeyToPath, what string) error {
		if len(items) == 0 {
			for k, b := range all {
				files[k] = b
			}
			return nil
		}
		for _, it := range items {
			b, ok := all[it.Key]
			if !ok {
				return fmt.Errorf("MountVolume.SetUp failed for volume %q: configmap/secret %s has no key %q", v.Name, what, it.Key)
			}
			files[it.Path] = b
		}
		return nil
	}
	secret := func(name string, items []corev1.KeyToPath, optional *bool) error {
		s, err := r.cs.CoreV1().Secrets(p.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if optional != nil && *optional && apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("MountVolume.SetUp failed for volume %q: secret %q not found", v.Name, name)
		}
		return add(s.Data, items, name)
	}
	configMap := func(name string, items []corev1.KeyToPath, optional *bool) error {
		cm, err := r.cs.CoreV1().ConfigMaps(p.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if optional != nil && *optional && apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("MountVolume.SetUp failed for volume %q: configmap %q not found", v.Name, name)
		}
		all := map[string][]byte{}
		for k, s := range cm.Data {
			all[k] = []byte(s)
		}
		for k, b := range cm.BinaryData {
			all[k] = b
		}
		return add(all, items, name)
	}
	downward := func(items []corev1.DownwardAPIVolumeFile) error {
		for _, it := range items {
			if it.FieldRef != nil {
				s, err := podField(p, it.FieldRef.FieldPath)
				if err != nil {
					return err
				}
				files[it.Path] = []byte(s)
			}
		}
		return nil
	}
	var err error
	switch {
	case v.Secret != nil:
		err = secret(v.Secret.SecretName, v.Secret.Items, v.Secret.Optional)
	case v.ConfigMap != nil:
		err = configMap(v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional)
	case v.DownwardAPI != nil:
		err = downward(v.DownwardAPI.Items)
	case v.Projected != nil:
		for _, src := range v.Projected.Sources {
			switch {
			case src.Secret != nil:
				err = secret(src.Secret.Name, src.Secret.Items, src.Secret.Optional)
			case src.ConfigMap != nil:
				err = configMap(src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional)
			case src.DownwardAPI != nil:
				err = downward(src.DownwardAPI.Items)
			case src.ServiceAccountToken != nil:
				var tok []byte
				if tok, err = r.serviceAccountToken(ctx, p, v.Name, src.ServiceAccountToken); err == nil {
					files[src.ServiceAccountToken.Path] = tok
				}
			}
			if err != nil {
				break
			}
		}
	default:
		// emptyDir and everything else: an empty directory
		return final, os.MkdirAll(final, 0o755)
	}
	if err != nil {
		return "", err
	}
	return final, writeVolumeFiles(final, files)
}

// serviceAccountToken asks the apiserver for a token bound to the pod, as the
// kubelet does for a projected serviceAccountToken source (TokenRequest).
func (r *Runner) serviceAccountToken(ctx context.Context, p *corev1.Pod, vol string, src *corev1.ServiceAccountTokenProjection) ([]byte, error) {
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: src.ExpirationSeconds,
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: p.Name, UID: p.UID},
	}}
	if src.Audience != "" {
		tr.Spec.Audiences = []string{src.Audience}
	}
	out, err := r.cs.CoreV1().ServiceAccounts(p.Namespace).CreateToken(ctx, sa, tr, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("MountVolume.SetUp failed for volume %q: failed to fetch token: %v", vol, err)
	}
	if out.Status.Token == "" {
		return nil, fmt.Errorf("MountVolume.SetUp failed for volume %q: the TokenRequest for service account %q returned no token", vol, sa)
	}
	return []byte(out.Status.Token), nil
}

// writeVolumeFiles writes files into a fresh folder, then swaps it in (a
// restarted container sees current content).
func writeVolumeFiles(final string, files map[string][]byte) error {
	tmp := final + ".new"
	_ = os.RemoveAll(tmp)
	for rel, b := range files {
		fp := filepath.Join(tmp, filepath.Clean("/"+rel))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(fp, b, 0o600); err != nil {
			return err
		}
	}
	_ = os.MkdirAll(tmp, 0o755)
	_ = os.RemoveAll(final)
	return os.Rename(tmp, final)
}
