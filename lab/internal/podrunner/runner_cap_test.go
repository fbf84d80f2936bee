package podrunner

import (
	"runtime"
	"testing"
)

func TestDefaultMaxPodsFromMachine(t *testing.T) {
	n, why := DefaultMaxPods()
	if cpu := int(float64(runtime.NumCPU()) * 0.5 / cpuPerHollowNode); n <= 0 || n > cpu {
		t.Errorf("cap %d (%s) should be positive and at most the CPU bound %d", n, why, cpu)
	}
	if why == "" {
		t.Error("no reason given")
	}
}
