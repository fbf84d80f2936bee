package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"kubemark-workbench/lab/internal/podrunner"
)

func cmdDown(args []string) error {
	fset := flag.NewFlagSet("down", flag.ContinueOnError)
	purge := fset.Bool("purge", os.Getenv("KUBEMARK_LAB_PURGE") == "1", "remove the state directory too")
	grace := fset.Duration("grace", 20*time.Second, "how long to wait after SIGTERM before SIGKILL")
	if err := fset.Parse(args); err != nil {
		return exitErr{exitUsage, err.Error()}
	}
	dir := labDir()
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		fmt.Printf("lab down: no lab in %s\n", dir)
		return nil
	}
	lock, err := lockLab(dir, "down", 10*time.Second)
	if err != nil {
		return err
	}
	defer lock.release()
	st, err := readState(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "lab down: cannot read %s: %v (will still stop marked processes)\n", statePath(dir), err)
	}
	if err := stopLab(dir, *grace); err != nil {
		return err
	}
	if *purge {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("removing %s: %w", dir, err)
		}
		fmt.Printf("lab down: removed state %s\n", dir)
	} else if st != nil {
		fmt.Printf("lab down: state kept in %s (use --purge to remove it)\n", dir)
	}
	return nil
}

// stopLab stops the supervisor first (which stops every component, the pod runner first
// and etcd last), then whatever of the lab is left: the recorded components, if they are
// still the processes the lab started, and any process carrying the lab's marker.
func stopLab(dir string, grace time.Duration) error {
	rs, _ := readRunState(dir)
	stopped := false
	if supervisorRunning(dir) {
		if _, err := callSupervisor(dir, "POST", "/shutdown", 10*time.Second); err != nil {
			fmt.Fprintf(os.Stderr, "lab down: %v\n", err)
		}
		// The supervisor gives the pod runner `grace` and each other component 10 s.
		waitGone(func() bool { return supervisorRunning(dir) }, grace+2*time.Minute)
		if supervisorRunning(dir) && rs != nil {
			fmt.Printf("lab down: the supervisor (pid %d) did not stop, SIGKILL\n", rs.Pid)
			signalGroup(dir, rs.Pid, rs.StartTime, syscall.SIGKILL)
		}
		stopped = true
		fmt.Println("lab down: supervisor and components stopped")
	}
	// Left over (a supervisor that was killed, ...): only processes the lab started.
	if rs != nil {
		for name, c := range rs.Components {
			if signalGroup(dir, c.Pid, c.StartTime, syscall.SIGTERM) {
				fmt.Printf("lab down: stopping leftover %s (pid %d)\n", name, c.Pid)
				pid, start := c.Pid, c.StartTime
				waitGone(func() bool { return ours(dir, pid, start) }, 5*time.Second)
				signalGroup(dir, pid, start, syscall.SIGKILL)
				stopped = true
			}
		}
	}
	if err := sweepLeftovers(dir, "lab down"); err != nil {
		return err
	}
	if !stopped {
		fmt.Printf("lab down: nothing was running in %s\n", dir)
	}
	_ = os.Remove(filepath.Join(dir, "podrunner", "ready"))
	podrunner.Cleanup(dir) // network namespaces a killed pod runner left pinned
	return nil
}

// sweepLeftovers kills every process that carries the lab's marker (KUBEMARK_LAB_ID=<dir>
// in the environment it started with) and checks that none is left.
func sweepLeftovers(dir, who string) error {
	left := markedProcs(dir)
	if len(left) == 0 {
		return nil
	}
	for _, pid := range left {
		start := procStartTime(pid)
		fmt.Printf("%s: killing leftover lab process %d (%s)\n", who, pid, cmdline(pid))
		signalGroup(dir, pid, start, syscall.SIGKILL)
	}
	waitGone(func() bool { return len(markedProcs(dir)) > 0 }, 10*time.Second)
	if left := markedProcs(dir); len(left) > 0 {
		return fmt.Errorf("lab processes still running: %v", left)
	}
	return nil
}

func waitGone(running func() bool, d time.Duration) {
	deadline := time.Now().Add(d)
	for running() && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
}

func cmdline(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return "?"
	}
	s := strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}
