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
	ID                string                  `json:"id"` // random, made by each fresh `up`; the components carry it as KUBEMARK_LAB_INSTANCE
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
	// HollowNamespaces: where the pod runner runs hollow-node pods without the extension's
	// managed-by label (KUBEMARK_LAB_HOLLOW_NAMESPACES at up; default kubemark).
	HollowNamespaces []string `json:"hollowNamespaces"`
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

// Component is what to run (written by up); what runs now (pid, state, restarts) is the
// supervisor's, in supervisor.json (runState).
type Component struct {
	Name    string `json:"name"`
	Cluster string `json:"cluster,omitempty"`
	Log     string `json:"log"`
	Health  string `json:"health,omitempty"` // URL (https://… or file://…)
	// HealthAuth: how to call Health: "workers"/"masters" (that cluster's admin client certificate),
	// "etcd" (the lab's etcd client certificate), "" (TLS without verification, or a file).
	HealthAuth string   `json:"healthAuth,omitempty"`
	Address    string   `json:"address,omitempty"`
	Args       []string `json:"args"`
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
	return writeFileAtomic(statePath(s.Dir), append(b, '\n'))
}

// writeFileAtomic writes a 0600 file through a temporary file and a rename.
func writeFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	_ = os.Chmod(tmp, 0o600) // an older, wider file of the same name
	return os.Rename(tmp, path)
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
	self := os.Getpid()
	return procsWhere(func(pid int, stat string) bool {
		return pid != self && hasEnv(pid, markerEnv, dir) && alive(pid)
	})
}

// hasEnv reports whether the environment pid started with holds name=value (/proc/PID/environ).
func hasEnv(pid int, name, value string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return false
	}
	b = append(append([]byte{0}, b...), 0)
	return containsBytes(b, []byte("\x00"+name+"="+value+"\x00"))
}

// procStartTime is the start time of pid in clock ticks since boot (field 22 of /proc/PID/stat), 0 if gone.
func procStartTime(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	// after comm: state(3) ppid(4) ... starttime is field 22, i.e. index 19 here
	if len(f) < 20 {
		return 0
	}
	n, _ := strconv.ParseUint(f[19], 10, 64)
	return n
}

// procState is the one-letter state of pid (R, S, T for stopped, Z, ...), "" if gone.
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2 : i+3]
	}
	return ""
}

// ours reports whether pid is still the lab process recorded with startTime: alive, the same
// start time, and the lab's marker in its environment. Only such a process is ever signalled.
func ours(dir string, pid int, startTime uint64) bool {
	return pid > 0 && startTime != 0 && alive(pid) && procStartTime(pid) == startTime && hasEnv(pid, markerEnv, dir)
}

// signalGroup signals the process group led by pid, after checking that pid is ours and leads
// its group; else it signals nothing and returns false.
func signalGroup(dir string, pid int, startTime uint64, sig syscall.Signal) bool {
	if !ours(dir, pid, startTime) {
		return false
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && statPgid(string(b)) == pid {
		return syscall.Kill(-pid, sig) == nil
	}
	return syscall.Kill(pid, sig) == nil
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
