package main

import (
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newTestSupervisor runs a supervisor (in this process) over components that are plain
// `sleep` processes, in a temporary lab folder.
func newTestSupervisor(t *testing.T, names ...string) *supervisor {
	t.Helper()
	dir := t.TempDir()
	s := &supervisor{dir: dir, id: "test", comps: map[string]*supComp{}}
	for _, n := range names {
		s.comps[n] = &supComp{spec: Component{Name: n, Log: filepath.Join(dir, "logs", n+".log"), Args: []string{"/bin/sleep", "1000"}}, run: compRun{State: stateStopped}}
		s.order = append(s.order, n)
	}
	t.Cleanup(s.shutdown)
	return s
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *supervisor) runOf(name string) compRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.comps[name].run
}

func TestSupervisorRestartsACrashedComponentWithBackoff(t *testing.T) {
	s := newTestSupervisor(t, "a", "b")
	for _, n := range []string{"a", "b"} {
		if err := s.start(s.comps[n]); err != nil {
			t.Fatal(err)
		}
	}
	a, b := s.runOf("a"), s.runOf("b")
	if !ours(s.dir, a.Pid, a.StartTime) {
		t.Fatalf("component a (pid %d) does not carry the lab's marker", a.Pid)
	}
	if err := syscall.Kill(a.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "a crashed", 5*time.Second, func() bool { return s.runOf("a").State == stateCrashed })
	if r := s.runOf("a"); !strings.Contains(r.LastExit, "signal: killed") || r.NextStart.IsZero() {
		t.Fatalf("crash not recorded: %+v", r)
	}
	waitUntil(t, "a restarted", 5*time.Second, func() bool { return s.runOf("a").State == stateRunning })
	r := s.runOf("a")
	if r.Restarts != 1 || r.Pid == a.Pid || !ours(s.dir, r.Pid, r.StartTime) {
		t.Fatalf("after a restart: %+v (old pid %d)", r, a.Pid)
	}
	if got := s.runOf("b"); got.Pid != b.Pid || got.Restarts != 0 {
		t.Fatalf("b was touched: %+v", got)
	}
	// A second crash right away waits twice as long.
	_ = syscall.Kill(r.Pid, syscall.SIGKILL)
	waitUntil(t, "a crashed again", 5*time.Second, func() bool { return s.runOf("a").State == stateCrashed })
	s.mu.Lock()
	backoff := s.comps["a"].backoff
	s.mu.Unlock()
	if backoff != 2*time.Second {
		t.Fatalf("second back-off %s, want 2s", backoff)
	}
}

func TestSupervisorStopStaysStoppedAndPauseResume(t *testing.T) {
	s := newTestSupervisor(t, "a")
	c := s.comps["a"]
	if err := s.start(c); err != nil {
		t.Fatal(err)
	}
	pid := s.runOf("a").Pid
	if err := s.pause(c, true); err != nil {
		t.Fatal(err)
	}
	if st := procState(pid); st != "T" || s.runOf("a").State != statePaused {
		t.Fatalf("paused: proc state %q, %+v", st, s.runOf("a"))
	}
	if err := s.pause(c, false); err != nil {
		t.Fatal(err)
	}
	if st := procState(pid); st == "T" || s.runOf("a").State != stateRunning {
		t.Fatalf("resumed: proc state %q, %+v", st, s.runOf("a"))
	}
	// Stop a paused component: it is thawed so that it can take SIGTERM.
	_ = s.pause(c, true)
	if err := s.stop(c, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if r := s.runOf("a"); r.State != stateStopped || r.Restarts != 0 || alive(pid) {
		t.Fatalf("stopped: %+v, alive %v", r, alive(pid))
	}
	// nothing restarts it: no restart is scheduled (a crash would have set a timer and NextStart)
	s.mu.Lock()
	scheduled, wantStopped, running := c.timer != nil, c.wantStopped, c.cmd != nil
	s.mu.Unlock()
	if r := s.runOf("a"); scheduled || !wantStopped || running || !r.NextStart.IsZero() || r.State != stateStopped {
		t.Fatalf("a stopped component may be restarted: timer %v, wantStopped %v, running %v, %+v", scheduled, wantStopped, running, r)
	}
	var ec exitCoder
	if err := s.pause(c, true); !errors.As(err, &ec) || ec.ExitCode() != exitNotStarted {
		t.Fatalf("pause of a stopped component: %v, want exit %d", err, exitNotStarted)
	}
}

func TestSupervisorAPIAndStateFile(t *testing.T) {
	s := newTestSupervisor(t, "a")
	srv := httptest.NewServer(s.handler(func() {}))
	defer srv.Close()
	resp, err := srv.Client().Post(srv.URL+"/start/a", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST /start/a: %v %v", resp, err)
	}
	resp, _ = srv.Client().Post(srv.URL+"/start/nope", "", nil)
	if resp == nil || resp.StatusCode != 200 {
		t.Fatal("the API answers every request with JSON")
	}
	s.mu.Lock()
	s.save()
	s.mu.Unlock()
	rs, err := readRunState(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	if rs.Components["a"].State != stateRunning || rs.Components["a"].Pid == 0 {
		t.Fatalf("supervisor.json: %+v", rs.Components["a"])
	}
	fi, _ := os.Stat(runStatePath(s.dir))
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("supervisor.json mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestLockLabOneHolderAtATime(t *testing.T) {
	dir := t.TempDir()
	l1, err := lockLab(dir, "up", 0)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file: a second open in the same process conflicts too.
	_, err = lockLab(dir, "up", 200*time.Millisecond)
	var ec exitCoder
	if !errors.As(err, &ec) || ec.ExitCode() != exitBusy || !strings.Contains(err.Error(), "`kubemark-labctl up` (pid ") {
		t.Fatalf("second lock: %v", err)
	}
	l1.release()
	l2, err := lockLab(dir, "down", 0)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.release()
}

func TestOursChecksMarkerAndStartTime(t *testing.T) {
	self := os.Getpid()
	if ours(t.TempDir(), self, procStartTime(self)) {
		t.Fatal("a process without the lab's marker is not ours")
	}
	if procStartTime(self) == 0 {
		t.Fatal("no start time for this process")
	}
	if signalGroup(t.TempDir(), self, procStartTime(self), syscall.Signal(0)) {
		t.Fatal("signalGroup must refuse a process that is not the lab's")
	}
}
