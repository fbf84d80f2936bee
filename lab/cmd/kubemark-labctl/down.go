package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"kubemark-workbench/lab/internal/podrunner"
)

func cmdDown(args []string) error {
	fset := flag.NewFlagSet("down", flag.ContinueOnError)
	purge := fset.Bool("purge", os.Getenv("KUBEMARK_LAB_PURGE") == "1", "remove the state directory too")
	grace := fset.Duration("grace", 20*time.Second, "how long to wait after SIGTERM before SIGKILL")
	if err := fset.Parse(args); err != nil {
		return exitErr{2, err.Error()}
	}
	dir := labDir()
	st, err := readState(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(os.Stderr, "lab down: cannot read %s: %v (will still stop marked processes)\n", statePath(dir), err)
	}
	if err := stopAll(dir, st, *grace); err != nil {
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

// stopAll stops the lab's process groups (pod runner first, etcd last), then any
// process still carrying the lab's marker, and verifies that none is left.
func stopAll(dir string, st *LabState, grace time.Duration) error {
	var comps []Component
	if st != nil {
		comps = st.Components
	}
	order := []string{"podrunner", "kwok", "masters-scheduler", "masters-controller-manager", "workers-scheduler", "workers-controller-manager", "masters-apiserver", "workers-apiserver", "etcd"}
	rank := map[string]int{}
	for i, n := range order {
		rank[n] = i
	}
	sorted := append([]Component(nil), comps...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			if rank[sorted[j].Name] < rank[sorted[i].Name] {
				sorted[i], sorted[j] = sorted[j], sorted[i]
			}
		}
	}
	stopped := 0
	for _, c := range sorted {
		if !groupAlive(c.Pgid) && !alive(c.Pid) {
			continue
		}
		_ = syscall.Kill(-c.Pgid, syscall.SIGTERM)
		// The pod runner stops its hollow nodes on SIGTERM; give it time before the rest.
		wait := 3 * time.Second
		if c.Name == "podrunner" {
			wait = grace
		}
		waitGone(func() bool { return groupAlive(c.Pgid) }, wait)
		stopped++
		fmt.Printf("lab down: stopped %s (pgid %d)\n", c.Name, c.Pgid)
	}
	// Give everything the grace period, then SIGKILL what is left.
	waitGone(func() bool {
		for _, c := range sorted {
			if groupAlive(c.Pgid) {
				return true
			}
		}
		return len(markedProcs(dir)) > 0
	}, grace)
	for _, c := range sorted {
		if groupAlive(c.Pgid) {
			fmt.Printf("lab down: %s did not stop, sending SIGKILL to group %d\n", c.Name, c.Pgid)
			_ = syscall.Kill(-c.Pgid, syscall.SIGKILL)
		}
	}
	// Anything else the lab started (hollow nodes of a crashed pod runner, ...)
	for _, pid := range markedProcs(dir) {
		fmt.Printf("lab down: killing leftover lab process %d (%s)\n", pid, cmdline(pid))
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	waitGone(func() bool { return len(markedProcs(dir)) > 0 }, 5*time.Second)
	if left := markedProcs(dir); len(left) > 0 {
		return fmt.Errorf("processes still running after down: %v", left)
	}
	if stopped == 0 {
		fmt.Printf("lab down: nothing was running in %s\n", dir)
	} else {
		fmt.Printf("lab down: all lab processes stopped\n")
	}
	_ = os.Remove(filepath.Join(dir, "podrunner", "ready"))
	podrunner.Cleanup(dir) // network namespaces a killed pod runner left pinned
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

type compStatus struct {
	Component
	Running bool   `json:"running"`
	Healthy bool   `json:"healthy"`
	Detail  string `json:"detail,omitempty"`
	RSSKiB  int64  `json:"rssKiB"`
	PSSKiB  int64  `json:"pssKiB"`
	PrivKiB int64  `json:"privateKiB"`
}

func componentStatus(st *LabState) []compStatus {
	var out []compStatus
	var mc = certClientFor(st, "masters")
	var wc = certClientFor(st, "workers")
	for _, c := range st.Components {
		cs := compStatus{Component: c, Running: alive(c.Pid)}
		if cs.Running {
			cs.RSSKiB, cs.PSSKiB, cs.PrivKiB = memKiB(c.Pid)
			var err error
			switch {
			case strings.HasPrefix(c.Health, "file://"):
				_, err = os.Stat(strings.TrimPrefix(c.Health, "file://"))
			case strings.HasSuffix(c.Health, "/readyz") && c.Cluster == "masters" && mc != nil:
				err = httpGet(mc, c.Health)
			case strings.HasSuffix(c.Health, "/readyz") && c.Cluster == "workers" && wc != nil:
				err = httpGet(wc, c.Health)
			case c.Health != "":
				err = httpGet(insecureClient(), c.Health)
			}
			cs.Healthy = err == nil
			if err != nil {
				cs.Detail = err.Error()
			}
		} else {
			cs.Detail = "not running"
		}
		out = append(out, cs)
	}
	return out
}

func certClientFor(st *LabState, cluster string) *http.Client {
	d := filepath.Join(st.Dir, "pki", cluster)
	cl, err := certClient(filepath.Join(d, "ca.crt"), filepath.Join(d, "admin.crt"), filepath.Join(d, "admin.key"))
	if err != nil {
		return nil
	}
	return cl
}

func cmdStatus(args []string) error {
	fset := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fset.Bool("json", false, "print JSON")
	if err := fset.Parse(args); err != nil {
		return exitErr{2, err.Error()}
	}
	dir := labDir()
	st, err := readState(dir)
	if err != nil {
		if *asJSON {
			fmt.Println(`{"running":false,"components":[]}`)
		} else {
			fmt.Printf("lab status: no lab in %s (run `npm run lab:up`)\n", dir)
		}
		return exitErr{3, "lab is not running"}
	}
	return printStatus(st, *asJSON)
}

// podRunnerState is what the pod runner publishes in podrunner/state.json.
type podRunnerState struct {
	UpdatedAt   time.Time      `json:"updatedAt"`
	NetworkMode string         `json:"networkMode"` // "netns" (a network namespace per pod) or "port-rewrite"
	PrivateTmp  bool           `json:"privateTmp"`  // a mount namespace per container with the pod's own /tmp
	Containers  []runningEntry `json:"containers"`
}

type runningEntry struct {
	Namespace   string   `json:"namespace"`
	Pod         string   `json:"pod"`
	PodUID      string   `json:"podUID"`
	Container   string   `json:"container"`
	Pid         int      `json:"pid"`
	Running     bool     `json:"running"`
	Restarts    int      `json:"restarts"`
	KubeletPort int      `json:"kubeletPort,omitempty"`
	Netns       string   `json:"netns,omitempty"` // the pod's pinned network namespace
	PodIP       string   `json:"podIP,omitempty"`
	LogFile     string   `json:"logFile"`
	Argv        []string `json:"argv"`
	LastError   string   `json:"lastError,omitempty"`
	RSSKiB      int64    `json:"rssKiB,omitempty"`
	PSSKiB      int64    `json:"pssKiB,omitempty"`
	PrivKiB     int64    `json:"privateKiB,omitempty"`
}

func printStatus(st *LabState, asJSON bool) error {
	comps := componentStatus(st)
	var pr podRunnerState
	if b, err := os.ReadFile(st.PodRunner.StateFile); err == nil {
		_ = json.Unmarshal(b, &pr)
	}
	for i := range pr.Containers {
		if pr.Containers[i].Running {
			c := &pr.Containers[i]
			c.RSSKiB, c.PSSKiB, c.PrivKiB = memKiB(c.Pid)
		}
	}
	allOK := len(comps) > 0
	for _, c := range comps {
		if !c.Running || !c.Healthy {
			allOK = false
		}
	}
	if asJSON {
		b, _ := json.MarshalIndent(map[string]any{"running": allOK, "dir": st.Dir, "kubeconfig": st.Kubeconfig,
			"clusters": st.Clusters, "components": comps, "hollowContainers": pr.Containers}, "", "  ")
		fmt.Println(string(b))
	} else {
		fmt.Printf("kubemark lab in %s (kubernetes %s, kwok %s)\n", st.Dir, st.KubernetesVersion, st.KwokVersion)
		fmt.Printf("  kubeconfig: %s\n", st.Kubeconfig)
		fmt.Printf("    context %-22s %s  (%s)\n", ctxWorkers, st.Clusters["workers"].Server, st.Clusters["workers"].Auth)
		fmt.Printf("    context %-22s %s  (%s)\n", ctxMasters, st.Clusters["masters"].Server, st.Clusters["masters"].Auth)
		fmt.Printf("  e.g.  kubectl --kubeconfig %s --context %s get nodes\n\n", st.Kubeconfig, ctxMasters)
		tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMPONENT\tPID\tSTATE\tADDRESS\tRSS\tLOG")
		for _, c := range comps {
			state := "ok"
			if !c.Running {
				state = "STOPPED"
			} else if !c.Healthy {
				state = "UNHEALTHY: " + truncate(c.Detail, 60)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\n", c.Name, c.Pid, state, c.Address, mib(c.RSSKiB), c.Log)
		}
		tw.Flush()
		if len(pr.Containers) > 0 {
			fmt.Printf("\nhollow-node containers run by the pod runner (%d; network: %s, private /tmp: %v):\n", len(pr.Containers), pr.NetworkMode, pr.PrivateTmp)
			tw = tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "POD\tCONTAINER\tPID\tSTATE\tRESTARTS\tNETWORK\tRSS")
			for _, c := range pr.Containers {
				state := "running"
				if !c.Running {
					state = "waiting: " + truncate(c.LastError, 50)
				}
				port := ""
				if c.KubeletPort > 0 {
					port = fmt.Sprint(c.KubeletPort)
				} else if c.Netns != "" {
					port = "netns " + c.PodIP
				}
				fmt.Fprintf(tw, "%s/%s\t%s\t%d\t%s\t%d\t%s\t%s\n", c.Namespace, c.Pod, c.Container, c.Pid, state, c.Restarts, port, mib(c.RSSKiB))
			}
			tw.Flush()
		}
	}
	if !allOK {
		return exitErr{1, "some components are not running or not healthy"}
	}
	return nil
}

func mib(kib int64) string {
	if kib <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fMi", float64(kib)/1024)
}

func truncate(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
