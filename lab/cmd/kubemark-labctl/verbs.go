package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// The fault verbs: stop, start, pause, resume of single components, through the supervisor.

// componentGroups are names for several components at once.
var componentGroups = map[string][]string{
	"apiservers":          {"workers-apiserver", "masters-apiserver"},
	"controller-managers": {"workers-controller-manager", "masters-controller-manager"},
	"schedulers":          {"workers-scheduler", "masters-scheduler"},
}

// supervisorReply is the supervisor's answer to every request.
type supervisorReply struct {
	OK         bool               `json:"ok"`
	Error      string             `json:"error"`
	Code       int                `json:"code"`
	Components map[string]compRun `json:"components"`
}

// callSupervisor sends one request to the supervisor of dir over its unix socket.
func callSupervisor(dir, method, path string, timeout time.Duration) (*supervisorReply, error) {
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socketPath(dir))
		},
	}}
	req, _ := http.NewRequest(method, "http://supervisor"+path, nil)
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the lab's supervisor does not answer on %s: %w", socketPath(dir), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var r supervisorReply
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("bad answer from the supervisor (HTTP %d): %s", resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if !r.OK {
		code := r.Code
		if code == 0 {
			code = exitFailed
		}
		return &r, exitErr{code, r.Error}
	}
	return &r, nil
}

// resolveComponents maps the arguments (names or groups) to component names of st.
func resolveComponents(st *LabState, args []string) ([]string, error) {
	known := map[string]bool{}
	var names []string
	for _, c := range st.Components {
		known[c.Name] = true
		names = append(names, c.Name)
	}
	var out []string
	seen := map[string]bool{}
	for _, a := range args {
		list := componentGroups[a]
		if list == nil {
			list = []string{a}
		}
		for _, n := range list {
			if !known[n] {
				groups := make([]string, 0, len(componentGroups))
				for g := range componentGroups {
					groups = append(groups, g)
				}
				sort.Strings(groups)
				return nil, exitErr{exitUsage, fmt.Sprintf("unknown component %q: use one of %s (or a group: %s)", a, strings.Join(names, ", "), strings.Join(groups, ", "))}
			}
			if !seen[n] {
				out, seen[n] = append(out, n), true
			}
		}
	}
	if len(out) == 0 {
		return nil, exitErr{exitUsage, fmt.Sprintf("name a component: %s", strings.Join(names, ", "))}
	}
	return out, nil
}

// runningLab returns lab.json of dir when its supervisor runs; else an exit-3 error.
func runningLab(dir string) (*LabState, error) {
	st, err := readState(dir)
	if err != nil || !supervisorRunning(dir) {
		return nil, exitErr{exitNotRunning, fmt.Sprintf("no lab runs in %s: start it with `npm run lab:up`", dir)}
	}
	return st, nil
}

func cmdFault(verb string, args []string) error {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	timeout := fs.Duration("timeout", 120*time.Second, "start: how long to wait until the component is healthy")
	noWait := fs.Bool("no-wait", false, "start: do not wait for health")
	grace := fs.Duration("grace", 0, "stop: how long to wait after SIGTERM before SIGKILL (default 20s for the pod runner, 5s for the others)")
	if err := fs.Parse(args); err != nil {
		return exitErr{exitUsage, err.Error()}
	}
	dir := labDir()
	st, err := runningLab(dir)
	if err != nil {
		return err
	}
	names, err := resolveComponents(st, fs.Args())
	if err != nil {
		return err
	}
	lock, err := lockLab(dir, verb+" "+strings.Join(names, " "), 30*time.Second)
	if err != nil {
		return err
	}
	defer lock.release()
	for _, n := range names {
		var before compRun
		if r, err := callSupervisor(dir, "GET", "/status", 10*time.Second); err == nil {
			before = r.Components[n]
		}
		q := ""
		if verb == "stop" && *grace > 0 {
			q = "?grace=" + grace.String()
		}
		r, err := callSupervisor(dir, "POST", "/"+verb+"/"+n+q, max(*grace, defaultGrace(n))+30*time.Second)
		if err != nil {
			return fmt.Errorf("%s %s: %w", verb, n, err)
		}
		after := r.Components[n]
		switch {
		case before.State == after.State && before.Pid == after.Pid:
			fmt.Printf("lab %s: %s was already %s\n", verb, n, after.State)
		case verb == "stop":
			fmt.Printf("lab stop: %s stopped (was pid %d)\n", n, before.Pid)
		default:
			fmt.Printf("lab %s: %s %s (pid %d)\n", verb, n, after.State, after.Pid)
		}
	}
	if verb != "start" || *noWait {
		return nil
	}
	deadline := time.Now().Add(*timeout)
	for _, n := range names {
		if err := waitHealthy(st, n, deadline); err != nil {
			return err
		}
		fmt.Printf("lab start: %s healthy\n", n)
	}
	return nil
}

// waitHealthy polls the health of component name until it answers, it stops running, or the deadline.
func waitHealthy(st *LabState, name string, deadline time.Time) error {
	var spec Component
	for _, c := range st.Components {
		if c.Name == name {
			spec = c
		}
	}
	clients := healthClients(st)
	var last error
	for {
		rs, err := readRunState(st.Dir)
		if err == nil && rs.Components[name] != nil && rs.Components[name].State != stateRunning {
			r := rs.Components[name]
			return fmt.Errorf("%s is %s (%s)\n---- last lines of %s ----\n%s\n----", name, r.State, r.LastExit, spec.Log, tail(spec.Log, 25))
		}
		if last = checkHealth(spec, clients); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not healthy before the deadline: %v\n---- last lines of %s ----\n%s\n----", name, last, spec.Log, tail(spec.Log, 25))
		}
		time.Sleep(300 * time.Millisecond)
	}
}
