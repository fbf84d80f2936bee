package podrunner

// Root only (skipped otherwise): a pinned network namespace with the pod's IP and a
// default route, and the isolation helper's view of the file system, for real.

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestMain lets the test binary act as `kubemark-labctl container`.
func TestMain(m *testing.M) {
	if os.Getenv("PODRUNNER_TEST_CONTAINER_EXEC") == "1" {
		if err := ContainerExec(os.Args[1:]); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

func TestNetnsAndContainerIsolation(t *testing.T) {
	if os.Geteuid() != 0 || !canNetns() || !canMountNS() {
		t.Skip("needs root with network and mount namespaces")
	}
	dir := t.TempDir()
	pin := filepath.Join(dir, "netns", "pod-uid")
	if err := ensureNetns(pin, net.ParseIP("10.244.7.7").To4()); err != nil {
		t.Fatal(err)
	}
	defer removeNetns(pin)
	if !isNetnsPin(pin) {
		t.Fatal("not pinned")
	}
	// idempotent, as after a pod runner restart
	if err := ensureNetns(pin, net.ParseIP("10.244.7.7").To4()); err != nil {
		t.Fatal(err)
	}
	// a listener made inside the namespace is not on the host
	fwd, err := startForwarder(pin, []int{1})
	if err != nil {
		t.Fatal(err)
	}
	fwd.close()

	node := filepath.Join(dir, "nodes", "n0", "run", "containerd")
	if err := os.MkdirAll(node, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(node, "marker"), []byte("node folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	podTmp := filepath.Join(dir, "pod", "tmp")
	hosts := filepath.Join(dir, "pod", "hosts")
	_ = os.MkdirAll(podTmp, 0o755)
	_ = os.WriteFile(hosts, []byte("10.244.7.7\thollow-node-7\n"), 0o644)
	script := "ip route; ip -4 -o addr show eth0; cat /run/containerd/marker; echo; ls /run | tr '\\n' ' '; echo; cat /etc/hosts; ls " + dir + "/netns >/dev/null && echo lab-visible; touch /tmp/in-pod-tmp"
	cmd := exec.Command(os.Args[0], "--netns="+pin, "--detach="+filepath.Join(dir, "netns"), "--run-tmpfs", "--tmp="+podTmp,
		"--keep="+dir, "--hosts="+hosts, "--bind-from="+node, "--bind-to=/run/containerd", "--", "/bin/sh", "-c", script)
	cmd.Env = append(os.Environ(), "PODRUNNER_TEST_CONTAINER_EXEC=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS, Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	s := string(out)
	for _, want := range []string{"default dev eth0", "inet 10.244.7.7/32", "node folder", "10.244.7.7\thollow-node-7", "lab-visible"} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q in:\n%s", want, s)
		}
	}
	if lines := strings.Split(s, "\n"); !strings.Contains(s, "\ncontainerd \n") {
		t.Errorf("/run should hold only the mounted volume: %q", lines)
	}
	if _, err := os.Stat(filepath.Join(podTmp, "in-pod-tmp")); err != nil {
		t.Errorf("/tmp of the container is not the pod's tmp: %v", err)
	}
	if _, err := os.Stat("/run/containerd/marker"); err == nil {
		t.Error("the bind leaked to the host")
	}
}

// A volume path holding "=" (a subPath) reaches the helper whole, and the helper binds
// only under the container's own /run: nothing is created or mounted elsewhere on the host.
func TestContainerBindsOnlyUnderRun(t *testing.T) {
	if os.Geteuid() != 0 || !canMountNS() {
		t.Skip("needs root with mount namespaces")
	}
	dir := t.TempDir()
	r, _, _ := newTestRunner(t, 10)
	r.mountNS = true
	p := hollowPod("hollow-node-0", "u0", "Running")
	pr := r.newPodRun("kubemark/hollow-node-0", p)
	escape := filepath.Join(dir, "escaped")
	src := filepath.Join(pr.dir, "volumes", "sub="+escape) // a subPath with "="
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(src, "marker"), []byte("the volume"), 0o644)
	for _, d := range []string{"tmp", "rootfs"} {
		_ = os.MkdirAll(filepath.Join(pr.dir, d), 0o755)
	}
	_ = os.WriteFile(filepath.Join(pr.dir, "hosts"), nil, 0o644)
	_ = os.WriteFile(filepath.Join(pr.dir, "resolv.conf"), nil, 0o644)
	argv := r.command(pr, []mount{{containerPath: "/var/run/containerd/", hostPath: src}}, []string{"/bin/cat", "/run/containerd/marker"})
	run := func(argv []string) (string, error) {
		cmd := exec.Command(os.Args[0], argv[2:]...)
		cmd.Env = append(os.Environ(), "PODRUNNER_TEST_CONTAINER_EXEC=1")
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS, Pdeathsig: syscall.SIGKILL}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run(argv); err != nil || out != "the volume" {
		t.Errorf("bind of %s: %v: %q", src, err, out)
	}
	if _, err := os.Stat(escape); !os.IsNotExist(err) {
		t.Errorf("the helper created %s on the host (%v)", escape, err)
	}
	for _, target := range []string{escape, "/run/../" + escape, "/runaway"} {
		out, err := run([]string{"", "", "--run-tmpfs", "--bind-from=" + src, "--bind-to=" + target, "--", "/bin/true"})
		if err == nil || !strings.Contains(out, "not a clean path under /run") {
			t.Errorf("bind target %s: %v: %q, want a refusal", target, err, out)
		}
	}
	if _, err := os.Stat(escape); !os.IsNotExist(err) {
		t.Errorf("the helper created %s on the host (%v)", escape, err)
	}
}
