package podrunner

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// kubemark may name only files its pod mounts: the lab's own kubeconfig on the host, a
// host file, a climb out of a mount or of the working directory are refused.
func TestConfineLaunch(t *testing.T) {
	r, _, _ := newTestRunner(t, 10)
	p := hollowPod("hollow-node-0", "u0", corev1.PodRunning)
	pr := r.newPodRun("kubemark/hollow-node-0", p)
	mounts := []mount{
		{containerPath: "/kubeconfig", hostPath: filepath.Join(pr.dir, "volumes", "kubeconfig-volume")},
		{containerPath: "/var/log", hostPath: r.nodePath(p.Spec.NodeName, "/var/log"), hostPathVolume: true},
	}
	cwd := filepath.Join(pr.dir, "rootfs")
	check := func(mountNS bool, args ...string) error {
		r.mountNS = mountNS
		c := &corev1.Container{Name: "hollow-kubelet", Command: []string{"/kubemark"}, Args: append([]string{"--morph=kubelet"}, args...)}
		l, err := containerLaunch(c, nil, mounts)
		if err != nil {
			t.Fatal(err)
		}
		return r.confineLaunch(pr, p, c, l, cwd)
	}
	for _, ok := range [][]string{
		{"--kubeconfig=/kubeconfig/kubelet.kubeconfig", "--name=hollow-node-0", "--kube-api-content-type=application/vnd.kubernetes.protobuf"},
		{"--log-file=/var/log/kubelet.log", "--v=2"},
		{"--kubeconfig", "/kubeconfig/kubelet.kubeconfig"},
		{"relative/file"},
	} {
		if err := check(false, ok...); err != nil {
			t.Errorf("%v refused: %v", ok, err)
		}
	}
	labKubeconfig := filepath.Join(r.cfg.Dir, "kubeconfig")
	for _, bad := range [][]string{
		{"--kubeconfig=" + labKubeconfig},                                 // the lab's own kubeconfig on the host
		{"--kubeconfig", "/root/.kube/config"},                            // any host file
		{"--kubeconfig=/kubeconfig/../../../../kubeconfig"},               // out of a mount
		{"--kubeconfig=../../../kubeconfig"},                              // out of the working directory
		{"--log-file=/tmp/x.log"},                                         // the host's /tmp, without a mount namespace
		{"--files=/kubeconfig/a," + filepath.Join(r.cfg.Dir, "pki", "x")}, // one of a list
	} {
		err := check(false, bad...)
		if _, refused := err.(*notRunError); !refused || !strings.Contains(err.Error(), "outside what the pod mounts") || !strings.Contains(err.Error(), "mount the file") {
			t.Errorf("%v: %v, want a NotRun refusal saying what to do", bad, err)
		}
	}
	// In its own mount namespace /tmp and /run are the container's, but not a lab folder kept visible there.
	if err := check(true, "--log-file=/tmp/x.log"); err != nil {
		t.Errorf("/tmp in a mount namespace: %v", err)
	}
	r.cfg.Dir = "/tmp/labpods-test-x"
	if err := check(true, "--kubeconfig=/tmp/labpods-test-x/kubeconfig"); err == nil {
		t.Errorf("the lab folder under /tmp was allowed")
	}
}

// A refused container gets a NotRun event, is not started and not restarted.
func TestRefusedContainerIsNotRun(t *testing.T) {
	p := hollowPod("hollow-node-0", "u0", corev1.PodRunning)
	p.Spec.Containers[0].Args = append(p.Spec.Containers[0].Args, "--kubeconfig=/etc/kubernetes/admin.conf")
	r, cs, _ := newTestRunner(t, 10, p)
	r.cfg.Kubemark = "/nonexistent/kubemark-lab" // would fail differently (and be restarted) if it got that far
	pr := r.newPodRun("kubemark/hollow-node-0", p)
	cs0 := &ctrState{name: "hollow-kubelet", logFile: filepath.Join(pr.dir, "logs", "hollow-kubelet.log")}
	if err := mkdirs(pr.dir, "logs", "rootfs"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r.runContainer(ctx, pr, p, &p.Spec.Containers[0], cs0)
	if ctx.Err() != nil {
		t.Fatal("runContainer kept retrying a refused container")
	}
	eventually(t, "a NotRun event", func() bool { return len(events(t, cs, "NotRun")) == 1 })
	if ev := events(t, cs, "NotRun")[0]; !strings.Contains(ev.Message, "/etc/kubernetes/admin.conf") || ev.InvolvedObject.FieldPath != "spec.containers{hollow-kubelet}" {
		t.Errorf("NotRun event: %+v", ev)
	}
	if n := len(events(t, cs, "Started")) + len(events(t, cs, "BackOff")); n != 0 || cs0.restarts != 0 || cs0.pid != 0 {
		t.Errorf("a refused container was started or restarted (%d events, %d restarts)", n, cs0.restarts)
	}
	if log, _ := readFile(cs0.logFile); !strings.Contains(log, "outside what the pod mounts") {
		t.Errorf("container log: %q", log)
	}
}
