package podrunner

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// killOrphans kills only processes carrying both the lab's marker and a pod runner marker.
func TestKillOrphansMatchesMarkersOnly(t *testing.T) {
	dir := t.TempDir()
	start := func(env ...string) *exec.Cmd {
		c := exec.Command("sleep", "60")
		c.Env = append([]string{"PATH=/usr/bin:/bin"}, env...)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Process.Kill() }) // the waiters below reap it
		return c
	}
	orphanPod := start("KUBEMARK_LAB_ID="+dir, PodMarkerEnv+"=kubemark/hollow-node-0/uid/hollow-kubelet")
	orphanCRI := start("KUBEMARK_LAB_ID="+dir, FakeCRIMarkerEnv+"=kwok-worker-0")
	component := start("KUBEMARK_LAB_ID=" + dir) // e.g. the apiserver: not the pod runner's
	otherLab := start("KUBEMARK_LAB_ID="+dir+"-other", PodMarkerEnv+"=kubemark/hollow-node-0/uid/hollow-kubelet")
	exited := map[*exec.Cmd]chan struct{}{}
	for _, c := range []*exec.Cmd{orphanPod, orphanCRI, component, otherLab} {
		ch := make(chan struct{})
		exited[c] = ch
		go func(c *exec.Cmd) { _ = c.Wait(); close(ch) }(c)
	}
	// the processes are reaped by the waiters above; zombies do not count
	if n := killOrphans("KUBEMARK_LAB_ID", dir); n != 2 {
		t.Errorf("killed %d processes, want 2", n)
	}
	for _, c := range []*exec.Cmd{orphanPod, orphanCRI} {
		select {
		case <-exited[c]:
		case <-time.After(5 * time.Second):
			t.Errorf("pid %d was not killed", c.Process.Pid)
		}
	}
	for _, c := range []*exec.Cmd{component, otherLab} {
		if err := c.Process.Signal(syscall.Signal(0)); err != nil {
			t.Errorf("pid %d should live: %v", c.Process.Pid, err)
		}
	}
}
