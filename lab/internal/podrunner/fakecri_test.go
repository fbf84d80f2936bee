package podrunner

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// stopFakeCRIs signals only fake CRIs that still run: the pid (and process group) of
// one that ended may belong to another process by now.
func TestStopFakeCRIsSkipsEnded(t *testing.T) {
	r, _, _ := newTestRunner(t, 10)
	other := exec.Command("/bin/sleep", "300") // stands for a process that got the ended one's pid
	other.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := other.Start(); err != nil {
		t.Fatal(err)
	}
	defer other.Process.Kill()
	waited := make(chan error, 1)
	go func() { waited <- other.Wait() }()
	ended := make(chan struct{})
	close(ended)
	r.cris.procs = map[string]*criProc{"n0": {cmd: &exec.Cmd{Process: &os.Process{Pid: other.Process.Pid}}, done: ended}}
	r.stopFakeCRIs()
	if len(r.cris.procs) != 0 {
		t.Errorf("fake CRIs left: %v", r.cris.procs)
	}
	select {
	case err := <-waited:
		t.Fatalf("stopFakeCRIs killed another process's group (%v)", err)
	case <-time.After(500 * time.Millisecond): // a SIGKILL ends it within milliseconds
	}
}
