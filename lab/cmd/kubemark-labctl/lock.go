package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// The state folder's locks (flock(2), released by the kernel when the holder exits):
//   lab.lock         held by up, down, stop, start, pause and resume while they run;
//   supervisor.lock  held by the supervisor for its whole life: "the supervisor runs" is
//                    "supervisor.lock is locked", no PID involved.

func lockPath(dir string) string           { return filepath.Join(dir, "lab.lock") }
func supervisorLockPath(dir string) string { return filepath.Join(dir, "supervisor.lock") }

// labLock is a held lab.lock.
type labLock struct{ f *os.File }

func (l *labLock) release() {
	if l != nil && l.f != nil {
		_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
		_ = l.f.Close()
	}
}

// lockLab takes lab.lock for verb, waiting at most wait (0: fail at once). When another
// command holds it, the error (exit code 4) names that command and its pid.
func lockLab(dir, verb string, wait time.Duration) (*labLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(lockPath(dir), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", lockPath(dir), err)
		}
		if time.Now().After(deadline) {
			// The holder writes who it is just after taking the lock: give it a moment.
			who := ""
			for until := time.Now().Add(time.Second); ; {
				holder, _ := os.ReadFile(lockPath(dir))
				if who = strings.TrimSpace(string(holder)); who != "" || time.Now().After(until) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			f.Close()
			if who == "" {
				who = "another lab command"
			}
			return nil, exitErr{exitBusy, fmt.Sprintf("the lab in %s is busy: %s holds %s; wait for it to finish (nothing was changed)", dir, who, lockPath(dir))}
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Who holds it, for the message of the next one (the lock is the flock, not this text).
	// Written over the old text, then cut to length: never empty while we hold it.
	info := []byte(fmt.Sprintf("`kubemark-labctl %s` (pid %d, since %s)\n", verb, os.Getpid(), time.Now().UTC().Format(time.RFC3339)))
	_, _ = f.WriteAt(info, 0)
	_ = f.Truncate(int64(len(info)))
	return &labLock{f: f}, nil
}

// supervisorRunning reports whether a supervisor holds supervisor.lock of dir.
func supervisorRunning(dir string) bool {
	f, err := os.OpenFile(supervisorLockPath(dir), os.O_RDWR, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// holdSupervisorLock takes supervisor.lock for the life of this process (the supervisor).
func holdSupervisorLock(dir string) (*os.File, error) {
	f, err := os.OpenFile(supervisorLockPath(dir), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, exitErr{exitBusy, "a supervisor already runs for " + dir}
		}
		return nil, err
	}
	return f, nil
}
