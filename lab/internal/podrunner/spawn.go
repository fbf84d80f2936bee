package podrunner

import (
	"os/exec"
	"runtime"
	"sync"
)

// Linux ties a child's parent-death signal (Pdeathsig, PR_SET_PDEATHSIG) to
// the thread that forked it, not to the process (golang/go#27505): when that
// thread ends, the child gets the signal although the runner lives on. The
// runner ends threads on purpose (a goroutine that locks its OS thread for
// setns and returns without unlocking takes its thread with it), and any such
// thread may have run a cmd.Start before. So every child that has a Pdeathsig
// is started by spawn, on one goroutine locked to its thread for good: the
// parent thread of each child lives as long as the runner.

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawnReqs chan spawnReq
)

// spawn starts cmd (cmd.Start) on the runner's spawning thread.
func spawn(cmd *exec.Cmd) error {
	spawnOnce.Do(func() {
		spawnReqs = make(chan spawnReq)
		go spawnLoop(spawnReqs)
	})
	req := spawnReq{cmd: cmd, done: make(chan error, 1)}
	spawnReqs <- req
	return <-req.done
}

func spawnLoop(reqs <-chan spawnReq) {
	runtime.LockOSThread() // never unlocked, and this goroutine never returns
	for req := range reqs {
		req.done <- req.cmd.Start()
	}
}
