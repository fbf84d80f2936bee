package podrunner

// Process identity. Every process the pod runner starts carries the lab's
// marker (KUBEMARK_LAB_ID=<lab dir>) and one of its own: KUBEMARK_LAB_POD
// (<ns>/<pod>/<uid>/<container>) on container processes, KUBEMARK_LAB_FAKECRI
// (<node>) on a node's fake CRI. All die with the pod runner (SIGKILL as
// parent-death signal). A pod runner that starts again kills whatever of that
// kind is left — matched by marker, never by a bare PID — and then starts the
// containers of the pods that still exist.

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

const (
	// PodMarkerEnv names the container a process belongs to.
	PodMarkerEnv = "KUBEMARK_LAB_POD"
	// FakeCRIMarkerEnv names the node whose fake CRI a process serves.
	FakeCRIMarkerEnv = "KUBEMARK_LAB_FAKECRI"
)

// orphans lists live processes of lab dir that carry a pod runner marker.
func orphans(marker, dir string) []int {
	lab := []byte(marker + "=" + dir)
	ents, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
		if err != nil {
			continue
		}
		var mine, ours bool
		for _, kv := range bytes.Split(env, []byte{0}) {
			switch {
			case bytes.Equal(kv, lab):
				mine = true
			case bytes.HasPrefix(kv, []byte(PodMarkerEnv+"=")), bytes.HasPrefix(kv, []byte(FakeCRIMarkerEnv+"=")):
				ours = true
			}
		}
		if mine && ours && !zombie(pid) {
			out = append(out, pid)
		}
	}
	return out
}

func zombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] == 'Z' || b[i+2] == 'X'
}

// killOrphans kills the processes a previous pod runner of this lab left and
// waits (up to 10 s) until they are gone. It returns how many it found.
func killOrphans(marker, dir string) int {
	found := orphans(marker, dir)
	for _, pid := range found {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(orphans(marker, dir)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	return len(found)
}
