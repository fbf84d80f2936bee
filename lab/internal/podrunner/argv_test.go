package podrunner

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

var testMounts = []mount{
	{containerPath: "/kubeconfig/sub", hostPath: "/lab/pods/p/volumes/sub"},
	{containerPath: "/kubeconfig", hostPath: "/lab/pods/p/volumes/kubeconfig-volume"},
	{containerPath: "/var/log", hostPath: "/lab/nodes/n/var/log", hostPathVolume: true},
	{containerPath: "/etc/kc", hostPath: "/lab/pods/p/volumes/kc"},
}

func TestRewritePaths(t *testing.T) {
	for in, want := range map[string]string{
		"--kubeconfig=/kubeconfig/kubelet.kubeconfig": "--kubeconfig=/lab/pods/p/volumes/kubeconfig-volume/kubelet.kubeconfig",
		"/kubeconfig":                     "/lab/pods/p/volumes/kubeconfig-volume",
		"/kubeconfig/sub/x":               "/lab/pods/p/volumes/sub/x",
		"--a=/kubeconfigs/x":              "--a=/kubeconfigs/x", // not under the mount
		"--a=/opt/kubeconfig/x":           "--a=/opt/kubeconfig/x",
		"--files=/etc/kc/a,/kubeconfig/b": "--files=/lab/pods/p/volumes/kc/a,/lab/pods/p/volumes/kubeconfig-volume/b",
		"--morph=kubelet":                 "--morph=kubelet",
	} {
		if got := rewritePaths(in, testMounts); got != want {
			t.Errorf("rewritePaths(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContainerLaunch(t *testing.T) {
	env := []envVar{{"NODE_NAME", "hollow-node-0"}, {"CONTENT_TYPE", "application/vnd.kubernetes.protobuf"}}
	cases := []struct {
		name      string
		c         corev1.Container
		want      []string
		redirects []redirect
	}{
		{"exec form", corev1.Container{Command: []string{"/kubemark"}, Args: []string{"--morph=kubelet", "--name=$(NODE_NAME)", "--kubeconfig=/kubeconfig/kubelet.kubeconfig", "--kube-api-content-type=$(CONTENT_TYPE)", "--x=$$(NODE_NAME)", "--y=$(UNKNOWN)"}},
			[]string{"--morph=kubelet", "--name=hollow-node-0", "--kubeconfig=/lab/pods/p/volumes/kubeconfig-volume/kubelet.kubeconfig", "--kube-api-content-type=application/vnd.kubernetes.protobuf", "--x=$(NODE_NAME)", "--y=$(UNKNOWN)"}, nil},
		{"image entrypoint", corev1.Container{Args: []string{"--morph=proxy", "--name=$(NODE_NAME)"}},
			[]string{"--morph=proxy", "--name=hollow-node-0"}, nil},
		{"go-runner", corev1.Container{Command: []string{"/go-runner", "-log-file=/var/log/k.log", "/kubemark"}, Args: []string{"--morph=proxy"}},
			[]string{"--morph=proxy"}, []redirect{{fd: 1, file: "/lab/nodes/n/var/log/k.log", append: true}, {fd: 2, toFd: 1}}},
		{"go-runner, also stdout", corev1.Container{Command: []string{"/go-runner", "--also-stdout", "-log-file", "/var/log/k.log", "/kubemark"}, Args: []string{"--morph=proxy"}},
			[]string{"--morph=proxy"}, nil},
		{"shell form, positional argument kept", corev1.Container{Command: []string{"/bin/sh", "-c", "/kubemark --morph=kubelet --name=$(NODE_NAME) --kubeconfig=/kubeconfig/k $(CONTENT_TYPE)"}},
			[]string{"--morph=kubelet", "--name=hollow-node-0", "--kubeconfig=/lab/pods/p/volumes/kubeconfig-volume/k", "application/vnd.kubernetes.protobuf"}, nil},
		{"upstream shell form with redirections", corev1.Container{Command: []string{"/bin/sh", "-c", `exec /kubemark --morph=kubelet --name="$NODE_NAME" --v=2 1>>/var/log/kubelet-$(NODE_NAME).log 2>&1`}},
			[]string{"--morph=kubelet", "--name=hollow-node-0", "--v=2"},
			[]redirect{{fd: 1, file: "/lab/nodes/n/var/log/kubelet-hollow-node-0.log", append: true}, {fd: 2, toFd: 1}}},
	}
	for _, tc := range cases {
		got, err := containerLaunch(&tc.c, env, testMounts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got.args, tc.want) || !reflect.DeepEqual(got.redirects, tc.redirects) {
			t.Errorf("%s:\n got %q %+v\nwant %q %+v", tc.name, got.args, got.redirects, tc.want, tc.redirects)
		}
	}
}

// The lab never runs anything but kubemark: shell scripts that do more are refused.
func TestContainerLaunchRefusesOtherCommands(t *testing.T) {
	for _, script := range []string{
		"rm -rf /tmp/x; /kubemark --morph=kubelet",
		"/kubemark --morph=kubelet && touch /x",
		"/kubemark --morph=kubelet | tee /x",
		"/kubemark --morph=kubelet --name=$(hostname)",
		"/kubemark --morph=kubelet --name=`hostname`",
		"/kubemark --morph=kubelet < /etc/passwd",
		"/kubemark --morph=kubelet &",
		"echo --morph=kubelet",
	} {
		c := corev1.Container{Command: []string{"sh", "-c", script}}
		if l, err := containerLaunch(&c, nil, nil); err == nil {
			t.Errorf("%q was accepted: %+v", script, l)
		} else if !strings.HasPrefix(err.Error(), "RunContainerError") {
			t.Errorf("%q: %v", script, err)
		}
	}
	if _, err := containerLaunch(&corev1.Container{Command: []string{"/bin/agent"}, Args: []string{"--morph=kubelet"}}, nil, nil); err == nil {
		t.Error("a command without kubemark should fail")
	}
}

func TestIsKubemarkContainer(t *testing.T) {
	yes := []corev1.Container{
		{Command: []string{"/kubemark"}, Args: []string{"--morph=kubelet"}},
		{Args: []string{"--morph=proxy"}},
		{Command: []string{"sh", "-c", "/kubemark --morph=kubelet"}},
	}
	no := []corev1.Container{
		{Command: []string{"sysctl", "-w", "fs.inotify.max_user_instances=1000"}},
		{Command: []string{"/kubemark"}},
		{Command: []string{"/bin/app"}, Args: []string{"--morph=x"}},
	}
	for _, c := range yes {
		if !IsKubemarkContainer(&c) {
			t.Errorf("%v should be a kubemark container", c.Command)
		}
	}
	for _, c := range no {
		if IsKubemarkContainer(&c) {
			t.Errorf("%v should not be a kubemark container", c.Command)
		}
	}
}

func TestSysctlCommand(t *testing.T) {
	for _, c := range []corev1.Container{
		{Command: []string{"sysctl", "-w", "fs.inotify.max_user_instances=1000"}},
		{Command: []string{"/bin/busybox", "sysctl", "-w", "fs.inotify.max_user_instances=1000"}},
		{Command: []string{"sh", "-c", "sysctl -w fs.inotify.max_user_instances=$(N)"}},
	} {
		kvs, ok := sysctlCommand(&c, map[string]string{"N": "1000"})
		if !ok || !reflect.DeepEqual(kvs, []string{"fs.inotify.max_user_instances=1000"}) {
			t.Errorf("%q: %v %v", c.Command, kvs, ok)
		}
	}
	for _, c := range []corev1.Container{
		{Command: []string{"sh", "-c", "sysctl -w a.b=1; rm -rf /"}},
		{Command: []string{"sysctl", "a.b=1"}}, // no -w
		{Command: []string{"chown", "-R", "1000", "/data"}},
		{Command: []string{"sysctl", "-w", "a.b=1", "-p", "/etc/x"}},
	} {
		if kvs, ok := sysctlCommand(&c, nil); ok {
			t.Errorf("%q should not be run, got %v", c.Command, kvs)
		}
	}
}

func TestApplySysctlNotRoot(t *testing.T) {
	line, code := applySysctl("fs.inotify.max_user_instances=1000", "", false)
	if code != 0 || !strings.Contains(line, "recorded, not applied") {
		t.Errorf("got %q %d", line, code)
	}
}

func TestNodePath(t *testing.T) {
	r := &Runner{nodesDir: "/lab/nodes"}
	for in, want := range map[string]string{
		"/run/containerd":     "/lab/nodes/kwok-worker-0/run/containerd",
		"/var/run/containerd": "/lab/nodes/kwok-worker-0/run/containerd",
		"/var/log/../log":     "/lab/nodes/kwok-worker-0/var/log",
	} {
		if got := r.nodePath("kwok-worker-0", in); got != want {
			t.Errorf("nodePath(%q) = %q, want %q", in, got, want)
		}
	}
	for _, p := range []string{"/run/containerd", "/var/run/containerd/containerd.sock", "/run"} {
		if !isContainerdSocket(p) {
			t.Errorf("%s exposes the containerd socket", p)
		}
	}
}
