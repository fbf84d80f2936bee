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
	if n > measuredMaxPods {
		t.Errorf("cap %d (%s) beyond the %d measured", n, why, measuredMaxPods)
	}
	if why == "" {
		t.Error("no reason given")
	}
}

// In port-rewrite mode each running pod holds a kubelet port: no more run than there are ports.
func TestCapToPorts(t *testing.T) {
	r, _, _ := newTestRunner(t, 10)
	r.cfg.MaxPods, r.cfg.PortCount = 100, 40
	r.netns = true
	if r.capToPorts() || r.cfg.MaxPods != 100 {
		t.Errorf("netns mode: cap %d, want 100", r.cfg.MaxPods)
	}
	r.netns = false
	if !r.capToPorts() || r.cfg.MaxPods != 40 {
		t.Errorf("port-rewrite mode: cap %d, want the 40 ports", r.cfg.MaxPods)
	}
	r.cfg.MaxPods = 10
	if r.capToPorts() || r.cfg.MaxPods != 10 {
		t.Errorf("a cap below the port count changed: %d", r.cfg.MaxPods)
	}
}
