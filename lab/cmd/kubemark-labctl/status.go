package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// status and the one rule for "the lab runs", shared with the JS scripts through
// `kubemark-labctl status --json` and its exit code:
//   0  running:  lab.json exists, the supervisor runs, every component is running and healthy;
//   1  degraded: the supervisor runs, but a component is stopped, paused, crashed or unhealthy;
//   3  stopped:  no lab.json, or no supervisor (nothing of the lab runs).

// compStatus is one component in status --json.
type compStatus struct {
	Name    string `json:"name"`
	Cluster string `json:"cluster,omitempty"`
	Pid     int    `json:"pid"`   // 0 when no process runs
	State   string `json:"state"` // running, stopped, paused, crashed
	// Restarts: restarts by the supervisor after the component exited on its own.
	Restarts int `json:"restarts"`
	// Health: "ok", "unhealthy" (running but its health check fails), "unknown" (not running, or paused).
	Health       string     `json:"health"`
	HealthDetail string     `json:"healthDetail,omitempty"`
	LastExit     string     `json:"lastExit,omitempty"`
	Since        *time.Time `json:"since,omitempty"`
	Address      string     `json:"address,omitempty"`
	Log          string     `json:"log"`
	RSSKiB       int64      `json:"rssKiB"`
	PSSKiB       int64      `json:"pssKiB"`
	PrivKiB      int64      `json:"privateKiB"`
}

// labStatus is status --json.
type labStatus struct {
	Running    bool                    `json:"running"` // the rule above: state == "running"
	State      string                  `json:"state"`   // running, degraded, stopped
	Dir        string                  `json:"dir"`
	ID         string                  `json:"id,omitempty"`
	Kubeconfig string                  `json:"kubeconfig,omitempty"`
	Supervisor *supervisorStatus       `json:"supervisor,omitempty"`
	Clusters   map[string]ClusterState `json:"clusters,omitempty"`
	Ports      *Ports                  `json:"ports,omitempty"`
	Components []compStatus            `json:"components"`
	Hollow     []runningEntry          `json:"hollowContainers"`
}

type supervisorStatus struct {
	Running bool `json:"running"`
	Pid     int  `json:"pid,omitempty"`
}

func healthClients(st *LabState) map[string]*http.Client {
	out := map[string]*http.Client{"": insecureClient()}
	for _, cl := range []string{"workers", "masters"} {
		d := filepath.Join(st.Dir, "pki", cl)
		if c, err := certClient(filepath.Join(d, "ca.crt"), filepath.Join(d, "admin.crt"), filepath.Join(d, "admin.key")); err == nil {
			out[cl] = c
		}
	}
	d := filepath.Join(st.Dir, "pki", "etcd")
	if c, err := certClient(filepath.Join(d, "ca.crt"), filepath.Join(d, "labctl-client.crt"), filepath.Join(d, "labctl-client.key")); err == nil {
		out["etcd"] = c
	}
	return out
}

// checkHealth calls the component's health check.
func checkHealth(c Component, clients map[string]*http.Client) error {
	switch {
	case strings.HasPrefix(c.Health, "file://"):
		_, err := os.Stat(strings.TrimPrefix(c.Health, "file://"))
		return err
	case c.Health == "":
		return nil
	}
	cl := clients[c.HealthAuth]
	if cl == nil {
		return fmt.Errorf("no client certificate for %s health checks", c.HealthAuth)
	}
	return httpGet(cl, c.Health)
}

// labStatusOf computes the status of the lab in dir (st may be nil: no lab.json).
func labStatusOf(dir string, st *LabState) labStatus {
	ls := labStatus{Dir: dir, State: "stopped", Components: []compStatus{}, Hollow: []runningEntry{}}
	if st == nil {
		return ls
	}
	ls.ID, ls.Kubeconfig, ls.Clusters, ls.Ports = st.ID, st.Kubeconfig, st.Clusters, &st.Ports
	supRunning := supervisorRunning(dir)
	rs, _ := readRunState(dir)
	if rs == nil {
		rs = &runState{Components: map[string]*compRun{}}
	}
	ls.Supervisor = &supervisorStatus{Running: supRunning}
	if supRunning {
		ls.Supervisor.Pid = rs.Pid
	}
	clients := healthClients(st)
	ls.Components = make([]compStatus, len(st.Components))
	var wg sync.WaitGroup
	for i, c := range st.Components {
		cs := compStatus{Name: c.Name, Cluster: c.Cluster, State: stateStopped, Health: "unknown", Address: c.Address, Log: c.Log}
		if r := rs.Components[c.Name]; r != nil {
			cs.Restarts, cs.LastExit = r.Restarts, r.LastExit
			if !r.Since.IsZero() {
				since := r.Since
				cs.Since = &since
			}
			switch {
			case !supRunning && ours(dir, r.Pid, r.StartTime):
				cs.State, cs.Pid = stateRunning, r.Pid // an orphan of a dead supervisor (down stops it)
			case supRunning && r.State != stateStopped && r.State != stateCrashed && ours(dir, r.Pid, r.StartTime):
				cs.State, cs.Pid = r.State, r.Pid
				if procState(r.Pid) == "T" {
					cs.State = statePaused
				}
			case supRunning && r.State == stateCrashed:
				cs.State = stateCrashed
			}
		}
		ls.Components[i] = cs
		if cs.State != stateRunning {
			continue
		}
		wg.Add(1)
		go func(i int, c Component) {
			defer wg.Done()
			cs := &ls.Components[i]
			cs.RSSKiB, cs.PSSKiB, cs.PrivKiB = memKiB(cs.Pid)
			if err := checkHealth(c, clients); err != nil {
				cs.Health, cs.HealthDetail = "unhealthy", err.Error()
			} else {
				cs.Health = "ok"
			}
		}(i, c)
	}
	wg.Wait()
	var pr podRunnerState
	if b, err := os.ReadFile(st.PodRunner.StateFile); err == nil && json.Unmarshal(b, &pr) == nil && pr.Containers != nil {
		ls.Hollow = pr.Containers
		for i := range ls.Hollow {
			if c := &ls.Hollow[i]; c.Running {
				c.RSSKiB, c.PSSKiB, c.PrivKiB = memKiB(c.Pid)
			}
		}
	}
	if !supRunning {
		return ls
	}
	ls.State, ls.Running = "running", len(ls.Components) > 0
	for _, c := range ls.Components {
		if c.State != stateRunning || c.Health != "ok" {
			ls.State, ls.Running = "degraded", false
		}
	}
	return ls
}

func cmdStatus(args []string) error {
	fset := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fset.Bool("json", false, "print JSON")
	if err := fset.Parse(args); err != nil {
		return exitErr{exitUsage, err.Error()}
	}
	dir := labDir()
	st, err := readState(dir)
	if err != nil {
		if *asJSON {
			b, _ := json.MarshalIndent(labStatusOf(dir, nil), "", "  ")
			fmt.Println(string(b))
		} else {
			fmt.Printf("lab status: no lab in %s (run `npm run lab:up`)\n", dir)
		}
		return exitErr{exitNotRunning, "the lab is not running"}
	}
	return printStatus(st, *asJSON)
}

func printStatus(st *LabState, asJSON bool) error {
	ls := labStatusOf(st.Dir, st)
	if asJSON {
		b, _ := json.MarshalIndent(ls, "", "  ")
		fmt.Println(string(b))
	} else {
		fmt.Printf("kubemark lab in %s (kubernetes %s, kwok %s): %s\n", st.Dir, st.KubernetesVersion, st.KwokVersion, strings.ToUpper(ls.State))
		fmt.Printf("  kubeconfig: %s\n", st.Kubeconfig)
		fmt.Printf("    context %-22s %s  (%s)\n", ctxWorkers, st.Clusters["workers"].Server, st.Clusters["workers"].Auth)
		fmt.Printf("    context %-22s %s  (%s)\n", ctxMasters, st.Clusters["masters"].Server, st.Clusters["masters"].Auth)
		fmt.Printf("  e.g.  npm run lab:kubectl -- --context %s get nodes\n\n", ctxMasters)
		tw := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "COMPONENT\tPID\tSTATE\tRESTARTS\tHEALTH\tADDRESS\tRSS\tLOG")
		for _, c := range ls.Components {
			health := c.Health
			if c.HealthDetail != "" {
				health += ": " + truncate(c.HealthDetail, 60)
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t%s\t%s\n", c.Name, c.Pid, c.State, c.Restarts, health, c.Address, mib(c.RSSKiB), c.Log)
		}
		tw.Flush()
		if ls.Supervisor != nil && !ls.Supervisor.Running {
			fmt.Println("\nno supervisor runs: the lab is stopped (npm run lab:up starts it)")
		}
		if len(ls.Hollow) > 0 {
			fmt.Printf("\nhollow-node containers run by the pod runner (%d):\n", len(ls.Hollow))
			tw = tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "POD\tCONTAINER\tPID\tSTATE\tRESTARTS\tNETWORK\tRSS")
			for _, c := range ls.Hollow {
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
	switch ls.State {
	case "running":
		return nil
	case "degraded":
		return exitErr{exitFailed, "the lab is degraded: some components are not running or not healthy"}
	default:
		return exitErr{exitNotRunning, "the lab is not running"}
	}
}

func httpGet(client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: HTTP %d: %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}

func insecureClient() *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func certClient(caFile, certFile, keyFile string) (*http.Client, error) {
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("bad CA %s", caFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}, nil
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

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
