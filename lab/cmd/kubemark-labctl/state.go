package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// LabState is written to $KUBEMARK_LAB_DIR/lab.json: what runs where.
type LabState struct {
	Version           int                     `json:"version"`
	Dir               string                  `json:"dir"`
	Kubeconfig        string                  `json:"kubeconfig"`
	Contexts          map[string]string       `json:"contexts"`
	KubernetesVersion string                  `json:"kubernetesVersion"`
	KwokVersion       string                  `json:"kwokVersion"`
	StartedAt         time.Time               `json:"startedAt"`
	ReadyAt           *time.Time              `json:"readyAt,omitempty"`
	Clusters          map[string]ClusterState `json:"clusters"`
	Ports             Ports                   `json:"ports"`
	Components        []Component             `json:"components"`
	KwokNodes         []string                `json:"kwokNodes"`
	PodRunner         PodRunnerInfo           `json:"podRunner"`
}

type ClusterState struct {
	Server     string `json:"server"`
	Context    string `json:"context"`
	EtcdPrefix string `json:"etcdPrefix"`
	Auth       string `json:"auth"`
	// AdminKubeconfig: a kubeconfig with a client certificate (group system:masters) for this cluster.
	AdminKubeconfig string `json:"adminKubeconfig"`
}

type PodRunnerInfo struct {
	StateFile string `json:"stateFile"`
	PodsDir   string `json:"podsDir"`
	// NetworkMode: "netns" (a network namespace per pod, root) or "port-rewrite".
	NetworkMode string `json:"networkMode"`
	PrivateTmp  bool   `json:"privateTmp"`
}

type Component struct {
	Name    string   `json:"name"`
	Cluster string   `json:"cluster,omitempty"`
	Pid     int      `json:"pid"`
	Pgid    int      `json:"pgid"`
	Log     string   `json:"log"`
	Health  string   `json:"health,omitempty"`
	Address string   `json:"address,omitempty"`
	Args    []string `json:"args"`
}

func statePath(dir string) string { return filepath.Join(dir, "lab.json") }

func readState(dir string) (*LabState, error) {
	b, err := os.ReadFile(statePath(dir))
	if err != nil {
		return nil, err
	}
	var s LabState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

func writeState(s *LabState) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp := statePath(s.Dir) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, statePath(s.Dir))
}

// alive reports whether pid runs (and is no zombie).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

// groupAlive reports whether any process of process group pgid still runs.
func groupAlive(pgid int) bool {
	if pgid <= 0 {
		return false
	}
	for _, p := range procsWhere(func(pid int, stat string) bool { return statPgid(stat) == pgid }) {
		if alive(p) {
			return true
		}
	}
	return false
}

func statPgid(stat string) int {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(stat[i+1:])
	// fields after comm: state ppid pgrp ...
	if len(f) < 3 {
		return -1
	}
	n, _ := strconv.Atoi(f[2])
	return n
}

func procsWhere(pred func(pid int, stat string) bool) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if pred(pid, string(b)) {
			out = append(out, pid)
		}
	}
	return out
}

// markedProcs lists live processes whose environment carries KUBEMARK_LAB_ID=<dir>.
func markedProcs(dir string) []int {
	want := []byte("\x00" + markerEnv + "=" + dir + "\x00")
	self := os.Getpid()
	return procsWhere(func(pid int, stat string) bool {
		if pid == self {
			return false
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
		if err != nil {
			return false
		}
		b = append(append([]byte{0}, b...), 0)
		return containsBytes(b, want) && alive(pid)
	})
}

func containsBytes(hay, needle []byte) bool {
	return strings.Contains(string(hay), string(needle))
}

// rssKiB returns VmRSS of pid in KiB.
func rssKiB(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return 0
}

// memKiB returns RSS, PSS (shared pages split among the processes mapping them)
// and private memory of pid, in KiB, from /proc/<pid>/smaps_rollup.
func memKiB(pid int) (rss, pss, private int64) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	if err != nil {
		return rssKiB(pid), 0, 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "Rss:":
			rss = n
		case "Pss:":
			pss = n
		case "Private_Clean:", "Private_Dirty:":
			private += n
		}
	}
	return
}
