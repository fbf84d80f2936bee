package podrunner

// podrunner/state.json: what the pod runner runs (read by `lab status`).

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// State is the content of podrunner/state.json.
type State struct {
	UpdatedAt   time.Time `json:"updatedAt"`
	NetworkMode string    `json:"networkMode"` // "netns" (a network namespace per pod) or "port-rewrite"
	PrivateTmp  bool      `json:"privateTmp"`  // a mount namespace per container (own /tmp and /run)
	Containers  []Entry   `json:"containers"`
	// InitContainers: the init containers' last runs (exit codes), apart so that
	// containers lists only what runs for the pod's lifetime.
	InitContainers []Entry `json:"initContainers"`
}

// Entry is one container of a pod.
type Entry struct {
	Namespace   string   `json:"namespace"`
	Pod         string   `json:"pod"`
	PodUID      string   `json:"podUID"`
	Container   string   `json:"container"`
	Init        bool     `json:"init,omitempty"`
	Pid         int      `json:"pid"`
	Running     bool     `json:"running"`
	Restarts    int      `json:"restarts"`
	ExitCode    *int     `json:"exitCode,omitempty"`
	KubeletPort int      `json:"kubeletPort,omitempty"`
	Netns       string   `json:"netns,omitempty"` // the pinned network namespace
	PodIP       string   `json:"podIP,omitempty"`
	LogFile     string   `json:"logFile"`
	Argv        []string `json:"argv"`
	LastError   string   `json:"lastError,omitempty"`
}

func (r *Runner) markDirty() {
	select {
	case r.dirty <- struct{}{}:
	default:
	}
}

func (r *Runner) publishLoop(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.dirty:
			time.Sleep(200 * time.Millisecond)
		case <-t.C:
		}
		r.publish()
	}
}

func (r *Runner) snapshot() State {
	st := State{UpdatedAt: time.Now().UTC(), Containers: []Entry{}, InitContainers: []Entry{}, NetworkMode: "port-rewrite", PrivateTmp: r.mountNS}
	if r.netns {
		st.NetworkMode = "netns"
	}
	r.mu.Lock()
	for _, pr := range r.pods {
		pr.mu.Lock()
		for _, c := range pr.ctrs {
			e := Entry{Namespace: pr.ns, Pod: pr.name, PodUID: string(pr.uid), Container: c.name, Init: c.init,
				Pid: c.pid, Running: c.running, Restarts: c.restarts, KubeletPort: pr.port, Netns: pr.netnsFile, PodIP: pr.ip,
				LogFile: c.logFile, Argv: c.argv, LastError: c.lastError}
			if c.exited {
				code := c.exitCode
				e.ExitCode = &code
			}
			if c.init {
				st.InitContainers = append(st.InitContainers, e)
			} else {
				st.Containers = append(st.Containers, e)
			}
		}
		pr.mu.Unlock()
	}
	r.mu.Unlock()
	sortEntries(st.Containers)
	sortEntries(st.InitContainers)
	return st
}

// publish writes state.json (0600: it holds expanded command lines).
func (r *Runner) publish() {
	b, _ := json.MarshalIndent(r.snapshot(), "", "  ")
	p := filepath.Join(r.cfg.Dir, "podrunner", "state.json")
	_ = os.WriteFile(p+".tmp", append(b, '\n'), 0o600)
	_ = os.Rename(p+".tmp", p)
}

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Namespace+"/"+a.Pod != b.Namespace+"/"+b.Pod {
			return a.Namespace+"/"+a.Pod < b.Namespace+"/"+b.Pod
		}
		return a.Container < b.Container
	})
}
