package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// The supervisor (`kubemark-labctl supervise`, started by up) is the parent of every
// component. It restarts a component that exits on its own with a back-off (1 s doubling
// to 30 s; back to 1 s after 60 s of running) and counts the restarts; a component stopped
// (stop) or paused (pause) on purpose stays so. It publishes what runs in supervisor.json
// and takes orders on a unix socket (supervisor.sock, 0600) from the verbs.

// Component states, as status --json reports them.
const (
	stateRunning = "running"
	stateStopped = "stopped" // stopped on purpose (stop, down) or never started
	statePaused  = "paused"  // SIGSTOP on purpose (pause)
	stateCrashed = "crashed" // exited on its own; the supervisor restarts it after a back-off
)

// compRun is what runs for one component (supervisor.json).
type compRun struct {
	Pid       int       `json:"pid"`
	StartTime uint64    `json:"startTime"` // clock ticks since boot, from /proc/PID/stat: the process identity
	State     string    `json:"state"`
	Restarts  int       `json:"restarts"` // restarts by the supervisor after a crash (not start/stop by hand)
	LastExit  string    `json:"lastExit,omitempty"`
	Since     time.Time `json:"since"`              // when State was entered
	NextStart time.Time `json:"nextStart,omitzero"` // crashed: when the supervisor starts it again
}

// runState is supervisor.json.
type runState struct {
	Pid        int                 `json:"pid"`
	StartTime  uint64              `json:"startTime"`
	LabID      string              `json:"labId"`
	UpdatedAt  time.Time           `json:"updatedAt"`
	Components map[string]*compRun `json:"components"`
}

func runStatePath(dir string) string { return filepath.Join(dir, "supervisor.json") }
func socketPath(dir string) string   { return filepath.Join(dir, "supervisor.sock") }

func readRunState(dir string) (*runState, error) {
	b, err := os.ReadFile(runStatePath(dir))
	if err != nil {
		return nil, err
	}
	var rs runState
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, err
	}
	return &rs, nil
}

type supComp struct {
	spec        Component
	run         compRun
	cmd         *exec.Cmd
	done        chan struct{} // closed when the current process has exited
	wantStopped bool
	backoff     time.Duration
	timer       *time.Timer
}

type supervisor struct {
	dir, id  string
	mu       sync.Mutex
	comps    map[string]*supComp
	order    []string
	stopping bool
}

func cmdSupervise(args []string) error {
	fs := flag.NewFlagSet("supervise", flag.ContinueOnError)
	dir := fs.String("dir", labDir(), "lab state dir")
	if err := fs.Parse(args); err != nil {
		return exitErr{exitUsage, err.Error()}
	}
	lock, err := holdSupervisorLock(*dir)
	if err != nil {
		return err
	}
	defer lock.Close()
	st, err := readState(*dir)
	if err != nil {
		return fmt.Errorf("reading %s: %w", statePath(*dir), err)
	}
	s := &supervisor{dir: *dir, id: st.ID, comps: map[string]*supComp{}}
	for _, c := range st.Components {
		s.comps[c.Name] = &supComp{spec: c, run: compRun{State: stateStopped, Since: time.Now().UTC()}}
		s.order = append(s.order, c.Name)
	}
	_ = os.Remove(socketPath(*dir))
	ln, err := net.Listen("unix", socketPath(*dir))
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	_ = os.Chmod(socketPath(*dir), 0o600)
	s.save()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	signal.Ignore(syscall.SIGHUP, syscall.SIGPIPE)
	srv := &http.Server{Handler: s.handler(stop), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(os.Stderr, "supervisor: pid %d, lab %s, socket %s\n", os.Getpid(), *dir, socketPath(*dir))
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "supervisor: stopping every component")
	s.shutdown()
	_ = srv.Close()
	_ = os.Remove(socketPath(*dir))
	fmt.Fprintln(os.Stderr, "supervisor: stopped")
	return nil
}

func (s *supervisor) save() {
	rs := runState{Pid: os.Getpid(), StartTime: procStartTime(os.Getpid()), LabID: s.id, UpdatedAt: time.Now().UTC(), Components: map[string]*compRun{}}
	for n, c := range s.comps {
		r := c.run
		rs.Components[n] = &r
	}
	b, _ := json.MarshalIndent(rs, "", "  ")
	if err := writeFileAtomic(runStatePath(s.dir), append(b, '\n')); err != nil {
		fmt.Fprintf(os.Stderr, "supervisor: writing %s: %v\n", runStatePath(s.dir), err)
	}
}

func (s *supervisor) setState(c *supComp, state string) {
	c.run.State, c.run.Since = state, time.Now().UTC()
}

// spawn starts c's process; s.mu is held.
func (s *supervisor) spawn(c *supComp) error {
	if err := os.MkdirAll(filepath.Dir(c.spec.Log), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(c.spec.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "==== %s supervisor: starting %s (restarts so far: %d)\n", time.Now().UTC().Format(time.RFC3339), c.spec.Name, c.run.Restarts)
	cmd := exec.Command(c.spec.Args[0], c.spec.Args[1:]...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), markerEnv+"="+s.dir, instanceEnv+"="+s.id)
	// Own session and process group; SIGTERM when the supervisor dies, so no component outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		c.run.LastExit = err.Error()
		return fmt.Errorf("start %s: %w", c.spec.Name, err)
	}
	c.cmd, c.done = cmd, make(chan struct{})
	c.run.Pid, c.run.StartTime, c.run.NextStart = cmd.Process.Pid, procStartTime(cmd.Process.Pid), time.Time{}
	s.setState(c, stateRunning)
	started := time.Now()
	done := c.done
	go func() {
		err := cmd.Wait()
		s.exited(c, cmd, err, time.Since(started))
		close(done)
	}()
	return nil
}

func (s *supervisor) exited(c *supComp, cmd *exec.Cmd, err error, ran time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.cmd != cmd {
		return
	}
	c.cmd = nil
	msg := "exit status 0"
	if err != nil {
		msg = err.Error()
	}
	c.run.LastExit = fmt.Sprintf("%s at %s after %s", msg, time.Now().UTC().Format(time.RFC3339), ran.Round(time.Second))
	if c.wantStopped || s.stopping {
		s.setState(c, stateStopped)
		s.save()
		return
	}
	// A crash: restart after a back-off.
	if ran > 60*time.Second || c.backoff == 0 {
		c.backoff = time.Second
	} else if c.backoff *= 2; c.backoff > 30*time.Second {
		c.backoff = 30 * time.Second
	}
	s.setState(c, stateCrashed)
	c.run.NextStart = time.Now().Add(c.backoff).UTC()
	fmt.Fprintf(os.Stderr, "supervisor: %s exited (%s); restarting in %s\n", c.spec.Name, msg, c.backoff)
	c.timer = time.AfterFunc(c.backoff, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if c.wantStopped || s.stopping || c.cmd != nil || c.run.State != stateCrashed {
			return
		}
		c.run.Restarts++
		if err := s.spawn(c); err != nil {
			fmt.Fprintf(os.Stderr, "supervisor: restarting %s: %v\n", c.spec.Name, err)
		}
		s.save()
	})
	s.save()
}

// start starts c unless it runs (a paused one is resumed).
func (s *supervisor) start(c *supComp) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.wantStopped = false
	if c.timer != nil {
		c.timer.Stop()
	}
	defer s.save()
	if c.cmd != nil {
		if c.run.State == statePaused {
			return s.signalLocked(c, syscall.SIGCONT, stateRunning)
		}
		return nil
	}
	c.backoff = 0
	return s.spawn(c)
}

// stop stops c on purpose: SIGTERM to its process group, SIGKILL after grace.
func (s *supervisor) stop(c *supComp, grace time.Duration) error {
	s.mu.Lock()
	c.wantStopped = true
	if c.timer != nil {
		c.timer.Stop()
	}
	if c.cmd == nil {
		s.setState(c, stateStopped)
		s.save()
		s.mu.Unlock()
		return nil
	}
	done := c.done
	if c.run.State == statePaused {
		signalGroup(s.dir, c.run.Pid, c.run.StartTime, syscall.SIGCONT) // so that it can handle SIGTERM
	}
	signalGroup(s.dir, c.run.Pid, c.run.StartTime, syscall.SIGTERM)
	pid, start := c.run.Pid, c.run.StartTime
	s.mu.Unlock()
	select {
	case <-done:
		return nil
	case <-time.After(grace):
	}
	fmt.Fprintf(os.Stderr, "supervisor: %s did not stop within %s, SIGKILL\n", c.spec.Name, grace)
	signalGroup(s.dir, pid, start, syscall.SIGKILL)
	select {
	case <-done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s (pid %d) did not exit after SIGKILL", c.spec.Name, pid)
	}
}

// signalLocked sends sig to c's process group and records state; s.mu is held.
func (s *supervisor) signalLocked(c *supComp, sig syscall.Signal, state string) error {
	if c.cmd == nil {
		return exitErr{exitNotStarted, fmt.Sprintf("%s is %s, not running: start it first (npm run lab:start -- %s)", c.spec.Name, c.run.State, c.spec.Name)}
	}
	if !signalGroup(s.dir, c.run.Pid, c.run.StartTime, sig) {
		return fmt.Errorf("%s (pid %d) is no longer the process the lab started", c.spec.Name, c.run.Pid)
	}
	// Signals arrive asynchronously: answer once the process is (no longer) stopped.
	if sig == syscall.SIGSTOP || sig == syscall.SIGCONT {
		wantStopped := sig == syscall.SIGSTOP
		waitGone(func() bool { st := procState(c.run.Pid); return st != "" && (st == "T") != wantStopped }, 2*time.Second)
	}
	s.setState(c, state)
	return nil
}

func (s *supervisor) pause(c *supComp, pause bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.save()
	if pause {
		if c.run.State == statePaused {
			return nil
		}
		return s.signalLocked(c, syscall.SIGSTOP, statePaused)
	}
	if c.cmd != nil && c.run.State != statePaused {
		return nil
	}
	return s.signalLocked(c, syscall.SIGCONT, stateRunning)
}

// defaultGrace is how long stop waits after SIGTERM before SIGKILL. The pod runner stops its
// hollow nodes (up to 10 s each, in parallel); an apiserver stops listening at once but may
// take 20 s and more to exit (it waits on its watches), so the rest get 5 s.
func defaultGrace(name string) time.Duration {
	if name == "podrunner" {
		return 20 * time.Second
	}
	return 5 * time.Second
}

// shutdownOrder: the pod runner first (it stops its hollow nodes), etcd last.
var shutdownOrder = []string{"podrunner", "kwok", "masters-scheduler", "masters-controller-manager", "workers-scheduler", "workers-controller-manager", "masters-apiserver", "workers-apiserver", "etcd"}

func (s *supervisor) shutdown() {
	s.mu.Lock()
	s.stopping = true
	s.mu.Unlock()
	seen := map[string]bool{}
	names := []string{}
	for _, n := range shutdownOrder {
		if _, ok := s.comps[n]; ok {
			names, seen[n] = append(names, n), true
		}
	}
	for _, n := range s.order {
		if !seen[n] {
			names = append(names, n)
		}
	}
	for _, n := range names {
		if err := s.stop(s.comps[n], defaultGrace(n)); err != nil {
			fmt.Fprintf(os.Stderr, "supervisor: %v\n", err)
		}
	}
	s.mu.Lock()
	s.save()
	s.mu.Unlock()
}
