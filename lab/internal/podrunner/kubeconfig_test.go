package podrunner

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const kubeconfigHead = `apiVersion: v1
kind: Config
current-context: c
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", %CLUSTER%}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
users: [{name: u, user: {%USER%}}]
`

// kubemark loads the kubeconfig its flags name as root on the host: an exec plugin, an
// auth-provider, a tokenFile or a file path outside the pod's volumes is refused (NotRun),
// inline credentials (what the lab and the extension generate) run.
func TestKubeconfigConfined(t *testing.T) {
	r, _, _ := newTestRunner(t, 10)
	p := hollowPod("hollow-node-0", "u0", corev1.PodRunning)
	pr := r.newPodRun("kubemark/hollow-node-0", p)
	vol := filepath.Join(pr.dir, "volumes", "kubeconfig-volume")
	if err := os.MkdirAll(vol, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(vol, "ca.crt"), []byte("x"), 0o644)
	mounts := []mount{{containerPath: "/kubeconfig", hostPath: vol}}
	cwd := filepath.Join(pr.dir, "rootfs")
	check := func(flag, cluster, user string) error {
		kc := strings.NewReplacer("%CLUSTER%", cluster, "%USER%", user).Replace(kubeconfigHead)
		if err := os.WriteFile(filepath.Join(vol, "kubelet.kubeconfig"), []byte(kc), 0o600); err != nil {
			t.Fatal(err)
		}
		c := &corev1.Container{Name: "hollow-kubelet", Command: []string{"/kubemark"},
			Args: []string{"--morph=kubelet", "--name=hollow-node-0", flag + "=/kubeconfig/kubelet.kubeconfig"}}
		l, err := containerLaunch(c, nil, mounts)
		if err != nil {
			t.Fatal(err)
		}
		l.args = defaultHostPaths(l.args, mounts, cwd)
		return r.confineLaunch(pr, p, c, l, cwd)
	}
	for _, ok := range [][2]string{
		{"certificate-authority-data: eA==", "client-certificate-data: eA==, client-key-data: eA=="},
		{"insecure-skip-tls-verify: true", "token: abc"},
		{"certificate-authority: ca.crt", "token: abc"},                          // relative to the kubeconfig: in the volume
		{"certificate-authority: " + filepath.Join(vol, "ca.crt"), "token: abc"}, // its host path in the pod's folder
	} {
		if err := check("--kubeconfig", ok[0], ok[1]); err != nil {
			t.Errorf("%v refused: %v", ok, err)
		}
	}
	for _, bad := range []struct{ flag, cluster, user, want string }{
		{"--kubeconfig", "insecure-skip-tls-verify: true", "exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, id]}", "exec credential plugin (/bin/sh)"},
		{"--bootstrap-kubeconfig", "insecure-skip-tls-verify: true", "exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh}", "exec credential plugin"},
		{"--kubeconfig", "insecure-skip-tls-verify: true", "auth-provider: {name: oidc}", "auth-provider (oidc)"},
		{"--kubeconfig", "insecure-skip-tls-verify: true", "tokenFile: /etc/shadow", "tokenFile (/etc/shadow)"},
		{"--kubeconfig", "insecure-skip-tls-verify: true", "client-certificate: /etc/ssl/x.crt, client-key: /root/.ssh/id_rsa", "outside the pod's volumes"},
		{"--kubeconfig", "certificate-authority: ../../../../../etc/shadow", "token: abc", "certificate-authority outside the pod's volumes"},
		{"--kubeconfig", "certificate-authority: /kubeconfig/ca.crt", "token: abc", "(/kubeconfig/ca.crt)"}, // read as written: the host's /kubeconfig
	} {
		err := check(bad.flag, bad.cluster, bad.user)
		if _, refused := err.(*notRunError); !refused || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "put the credentials inline") {
			t.Errorf("%+v: %v, want a NotRun refusal saying %q and what to do", bad, err, bad.want)
		}
	}
}

// kubemark's defaults are host paths: an unset --kubeconfig or --cert-dir is pointed at the
// container's root fs, or at the volume a mount maps the default to.
func TestDefaultHostPaths(t *testing.T) {
	rootfs := "/lab/pods/p/rootfs"
	got := defaultHostPaths([]string{"--morph=kubelet"}, nil, rootfs)
	want := []string{"--morph=kubelet", "--kubeconfig=/lab/pods/p/rootfs/kubeconfig/kubeconfig", "--cert-dir=/lab/pods/p/rootfs/etc/srv"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("no flags: %q, want %q", got, want)
	}
	mounts := []mount{{containerPath: "/kubeconfig", hostPath: "/lab/pods/p/volumes/kc"}, {containerPath: "/etc/srv", hostPath: "/lab/pods/p/volumes/certs"}}
	got = defaultHostPaths([]string{"--morph=kubelet"}, mounts, rootfs)
	want = []string{"--morph=kubelet", "--kubeconfig=/lab/pods/p/volumes/kc/kubeconfig", "--cert-dir=/lab/pods/p/volumes/certs/"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("mounted defaults: %q, want %q", got, want)
	}
	set := []string{"--morph=kubelet", "--kubeconfig", "/x/kc", "-cert-dir=/x/certs"}
	if got = defaultHostPaths(set, nil, rootfs); len(got) != len(set) {
		t.Errorf("flags the container sets were overridden: %q", got)
	}
}
