package podrunner

// Confinement of the kubeconfig files kubemark loads (--kubeconfig,
// --bootstrap-kubeconfig). kubemark runs as root on the host: a kubeconfig user
// with an exec credential plugin (or an auth-provider) would run a host command
// as root, and a tokenFile, client-certificate, client-key or
// certificate-authority path would let kubemark read any host file. Paths in a
// kubeconfig are read as written (the lab rewrites only kubemark's command
// line), so each must lie where the container's own files may (confine.go).
// kubemark's defaults for unset flags are host paths too (--kubeconfig
// /kubeconfig/kubeconfig, --cert-dir /etc/srv/): an unset one is pointed at the
// same path in the container's root fs (pods/<pod>/rootfs/), which holds no
// kubeconfig, so kubemark fails as it would in a container without that file.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// kubemark's defaults of the flags naming host paths (cmd/kubemark/app/hollow_node.go)
const (
	defaultKubeconfig = "/kubeconfig/kubeconfig"
	defaultCertDir    = "/etc/srv/"
)

// flagValues returns the values args give flag (--flag=v, --flag v, -flag=v, -flag v).
func flagValues(args []string, flag string) (vals []string, set bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if name == a { // not a flag
			continue
		}
		if name == flag {
			set = true
			if i+1 < len(args) {
				vals = append(vals, args[i+1])
				i++
			}
		} else if v, ok := strings.CutPrefix(name, flag+"="); ok {
			set = true
			vals = append(vals, v)
		}
	}
	return vals, set
}

// defaultHostPaths appends kubemark's path flags the container leaves at their
// host defaults, pointed at its root fs (see above); mounts map a default path a
// volume covers.
func defaultHostPaths(args []string, mounts []mount, rootfs string) []string {
	inRootfs := func(p string) string {
		if m := rewritePaths(p, mounts); m != p {
			return m
		}
		return filepath.Join(rootfs, p)
	}
	if _, set := flagValues(args, "kubeconfig"); !set {
		args = append(args, "--kubeconfig="+inRootfs(defaultKubeconfig))
	}
	if _, set := flagValues(args, "cert-dir"); !set {
		args = append(args, "--cert-dir="+inRootfs(defaultCertDir))
	}
	return args
}

// confineKubeconfigs refuses (notRunError) a kubeconfig kubemark would load
// with a credential plugin, a tokenFile or a file path outside what the pod
// mounts.
func (r *Runner) confineKubeconfigs(pr *podRun, p *corev1.Pod, c *corev1.Container, args []string, cwd string) error {
	roots := r.containerRoots(pr, p)
	private, kept := r.privateDirs()
	for _, flag := range []string{"kubeconfig", "bootstrap-kubeconfig"} {
		vals, _ := flagValues(args, flag)
		for _, f := range vals {
			if f == "" {
				continue
			}
			if !filepath.IsAbs(f) {
				f = filepath.Join(cwd, f)
			}
			refuse := func(why string) error {
				return &notRunError{fmt.Sprintf("kubemark-lab: container %q: the kubeconfig of --%s (%s) %s; kubemark runs as root on the host, "+
					"so the lab refuses kubeconfig users with exec or auth-provider and tokenFile, and file paths outside the pod's volumes: "+
					"put the credentials inline (certificate-authority-data, client-certificate-data, client-key-data or token), "+
					"as `kubectl config view --minify --flatten --raw` writes them. The container is not run", c.Name, flag, f, why)}
			}
			cfg, err := clientcmd.LoadFromFile(f) // resolves relative paths against the file's folder
			if err != nil {
				if os.IsNotExist(err) {
					// nothing to load: kubemark fails on its own, or writes it from
					// the bootstrap kubeconfig (checked here too)
					continue
				}
				return refuse(fmt.Sprintf("cannot be read: %v", err))
			}
			fileOK := func(p string) bool { return p == "" || confined(p, cwd, roots, private, kept) }
			for name, u := range cfg.AuthInfos {
				switch {
				case u.Exec != nil:
					return refuse(fmt.Sprintf("gives user %q an exec credential plugin (%s)", name, u.Exec.Command))
				case u.AuthProvider != nil:
					return refuse(fmt.Sprintf("gives user %q an auth-provider (%s)", name, u.AuthProvider.Name))
				case u.TokenFile != "":
					return refuse(fmt.Sprintf("gives user %q a tokenFile (%s)", name, u.TokenFile))
				case !fileOK(u.ClientCertificate):
					return refuse(fmt.Sprintf("gives user %q a client-certificate outside the pod's volumes (%s)", name, u.ClientCertificate))
				case !fileOK(u.ClientKey):
					return refuse(fmt.Sprintf("gives user %q a client-key outside the pod's volumes (%s)", name, u.ClientKey))
				}
			}
			for name, cl := range cfg.Clusters {
				if !fileOK(cl.CertificateAuthority) {
					return refuse(fmt.Sprintf("gives cluster %q a certificate-authority outside the pod's volumes (%s)", name, cl.CertificateAuthority))
				}
			}
		}
	}
	return nil
}
