package podrunner

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lockAndExit runs f on a goroutine locked to its OS thread and lets the
// goroutine end locked, so Go ends the thread (as ensureNetns, listenIn and
// writeSysctlIn do); it returns the thread's id.
func lockAndExit(f func()) int {
	tid := make(chan int, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if f != nil {
			f()
		}
		tid <- unix.Gettid()
	}()
	return <-tid
}

// waitThreadsGone waits until none of the threads is in /proc/self/task: by
// then the kernel has sent the Pdeathsig of each child they forked.
func waitThreadsGone(t *testing.T, tids []int) {
	deadline := time.Now().Add(10 * time.Second)
	for _, tid := range tids {
		if tid == os.Getpid() {
			continue // Go wedges the main thread instead of ending it
		}
		for {
			if _, err := os.Stat(fmt.Sprintf("/proc/self/task/%d", tid)); os.IsNotExist(err) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("thread %d did not end within 10 s", tid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestSpawnChildrenOutliveEndedThreads(t *testing.T) {
	const n = 20
	var cmds []*exec.Cmd
	var tids []int
	t.Cleanup(func() {
		for _, c := range cmds {
			if c.Process != nil {
				_ = c.Process.Kill()
			}
		}
	})
	for i := 0; i < n; i++ {
		cmd := exec.Command("/bin/sleep", "300")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		var err error
		// the worst case: the caller's own thread ends right after the start
		tids = append(tids, lockAndExit(func() { err = spawn(cmd) }))
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i := 0; i < 50; i++ {
		tids = append(tids, lockAndExit(nil))
	}
	waitThreadsGone(t, tids)
	exited := make(chan string, n)
	for _, c := range cmds {
		c := c
		go func() {
			err := c.Wait()
			exited <- fmt.Sprintf("child %d ended: %v", c.Process.Pid, err)
		}()
	}
	// a SIGKILL sent at thread exit ends its child within milliseconds
	select {
	case msg := <-exited:
		t.Fatalf("%s: its parent-death signal came with the end of a locked thread", msg)
	case <-time.After(time.Second):
	}
}
