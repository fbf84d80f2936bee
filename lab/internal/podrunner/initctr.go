package podrunner

// Init containers run in order before the containers, retried with back-off
// until they succeed, as a kubelet runs them. The lab executes one form, the
// one hollow-node manifests use: `sysctl -w KEY=VALUE...` (exec form, busybox,
// or `sh -c "sysctl -w ..."`). As root it applies fs.inotify.* limits on the
// host (only ever raising them) and net.* keys inside the pod's own network
// namespace; any other key, and everything when not root, is recorded in the
// container's log but not applied. Init containers of any other form are not
// run: the pod gets a NotRun event and its containers start anyway.

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// hostSysctls may be raised on the host by an init container.
var hostSysctls = map[string]bool{
	"fs.inotify.max_user_instances": true, "fs.inotify.max_user_watches": true, "fs.inotify.max_queued_events": true,
}

// sysctlCommand returns the KEY=VALUE settings of an init container of the
// form `sysctl -w KEY=VALUE...`; ok is false for any other command.
func sysctlCommand(c *corev1.Container, env map[string]string) (kvs []string, ok bool) {
	mapping := expansion.MappingFuncFor(env)
	var full []string
	for _, s := range append(append([]string{}, c.Command...), c.Args...) {
		full = append(full, expansion.Expand(s, mapping))
	}
	if len(full) >= 3 && isShell(full[0]) && full[1] == "-c" {
		words, err := shellWords(full[2], env)
		if err != nil {
			return nil, false
		}
		full = full[:0]
		for _, w := range words {
			if w.op {
				return nil, false
			}
			full = append(full, w.s)
		}
	}
	if len(full) > 0 && path.Base(full[0]) == "busybox" {
		full = full[1:]
	}
	if len(full) < 3 || path.Base(full[0]) != "sysctl" {
		return nil, false
	}
	write := false
	for _, a := range full[1:] {
		switch {
		case a == "-w":
			write = true
		case a == "-q" || a == "-e":
		case strings.Contains(a, "=") && !strings.HasPrefix(a, "-"):
			kvs = append(kvs, a)
		default:
			return nil, false
		}
	}
	return kvs, write && len(kvs) > 0
}

// applySysctl applies (or records) one KEY=VALUE and returns the log line and
// the exit code sysctl would have.
func applySysctl(kv, netnsFile string, root bool) (string, int) {
	key, val, _ := strings.Cut(kv, "=")
	key, val = strings.TrimSpace(key), strings.TrimSpace(val)
	file := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	switch {
	case !root:
		return fmt.Sprintf("%s = %s (kubemark-lab: recorded, not applied: the pod runner does not run as root)", key, val), 0
	case strings.HasPrefix(key, "net."):
		if netnsFile == "" {
			return fmt.Sprintf("%s = %s (kubemark-lab: recorded, not applied: the pod has no network namespace of its own)", key, val), 0
		}
		if err := writeSysctlIn(netnsFile, file, val); err != nil {
			return fmt.Sprintf("sysctl: error setting key '%s': %v", key, err), 1
		}
		return fmt.Sprintf("%s = %s", key, val), 0
	case hostSysctls[key]:
		cur, err := os.ReadFile(file)
		if err != nil {
			return fmt.Sprintf("sysctl: error setting key '%s': %v", key, err), 1
		}
		have, _ := strconv.ParseInt(strings.TrimSpace(string(cur)), 10, 64)
		want, err := strconv.ParseInt(val, 10, 64)
		if err != nil {
			return fmt.Sprintf("sysctl: error setting key '%s': Invalid argument", key), 1
		}
		if want <= have {
			return fmt.Sprintf("%s = %s (kubemark-lab: the host has %d already; the lab only raises it)", key, val, have), 0
		}
		if err := os.WriteFile(file, []byte(val), 0o644); err != nil {
			return fmt.Sprintf("sysctl: error setting key '%s': %v", key, err), 1
		}
		return fmt.Sprintf("%s = %s", key, val), 0
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Sprintf("sysctl: error: '%s' is an unknown key", key), 1
	}
	return fmt.Sprintf("%s = %s (kubemark-lab: recorded, not applied: the lab changes only fs.inotify.* on the host and net.* in the pod)", key, val), 0
}

// writeSysctlIn writes a /proc/sys/net file from inside a network namespace.
func writeSysctlIn(netnsFile, file, val string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		fd, err := unix.Open(netnsFile, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			errc <- err
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		errc <- os.WriteFile(file, []byte(val), 0o644)
	}()
	return <-errc
}

// runInitContainers runs the pod's init containers in order; false when ctx ended.
func (r *Runner) runInitContainers(ctx context.Context, pr *podRun, p *corev1.Pod) bool {
	for i := range p.Spec.InitContainers {
		c := &p.Spec.InitContainers[i]
		cs := &ctrState{name: c.Name, init: true, logFile: filepath.Join(pr.dir, "logs", c.Name+".log")}
		pr.mu.Lock()
		pr.ctrs[c.Name] = cs
		pr.mu.Unlock()
		backoff := 2 * time.Second
		for {
			if ctx.Err() != nil {
				return false
			}
			code, ran := r.runInit(ctx, pr, p, c, cs)
			r.markDirty()
			r.reportInitStatus(pr, p)
			if !ran || code == 0 {
				break
			}
			r.event(p, c.Name, corev1.EventTypeWarning, "BackOff", fmt.Sprintf("Back-off %s restarting failed init container %s in pod %s (exit code %d)", backoff, c.Name, p.Name, code))
			select {
			case <-ctx.Done():
				return false
			case <-time.After(backoff):
			}
			pr.mu.Lock()
			cs.restarts++
			pr.mu.Unlock()
			if backoff *= 2; backoff > time.Minute {
				backoff = time.Minute
			}
		}
	}
	return true
}

// runInit runs one init container once; ran is false when the lab does not run its form.
func (r *Runner) runInit(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container, cs *ctrState) (code int, ran bool) {
	env, err := r.resolveEnv(ctx, p, c)
	vals := map[string]string{}
	for _, e := range env {
		vals[e.name] = e.value
	}
	kvs, ok := sysctlCommand(c, vals)
	now := time.Now()
	pr.mu.Lock()
	cs.started, cs.running = now, true
	pr.mu.Unlock()
	var lines []string
	switch {
	case err != nil:
		lines, code = []string{"kubemark-lab: " + err.Error()}, 1
	case !ok || c.RestartPolicy != nil:
		msg := fmt.Sprintf("kubemark-lab: init container %q is not run: the lab runs only `sysctl -w KEY=VALUE` init containers (and kubemark containers); the pod's containers start without it", c.Name)
		r.notRun(pr, p, c.Name, msg)
		pr.mu.Lock()
		cs.running, cs.exited, cs.exitCode, cs.finished, cs.lastError = false, true, 0, time.Now(), "not run by the lab"
		pr.mu.Unlock()
		return 0, false
	default:
		r.event(p, c.Name, corev1.EventTypeNormal, "Started", fmt.Sprintf("Started init container %s (kubemark-lab pod runner: sysctl -w %s)", c.Name, strings.Join(kvs, " ")))
		for _, kv := range kvs {
			line, rc := applySysctl(kv, pr.netnsFile, os.Geteuid() == 0)
			lines = append(lines, line)
			if rc != 0 {
				code = rc
			}
		}
	}
	for _, l := range lines {
		stream := "stdout"
		if strings.HasPrefix(l, "sysctl: error") || strings.HasPrefix(l, "kubemark-lab: ") {
			stream = "stderr"
		}
		appendLogLine(cs.logFile, stream, l)
	}
	pr.mu.Lock()
	cs.running, cs.exited, cs.exitCode, cs.finished = false, true, code, time.Now()
	cs.lastError = fmt.Sprintf("exited with code %d", code)
	pr.mu.Unlock()
	if code == 0 {
		r.event(p, c.Name, corev1.EventTypeNormal, "Completed", fmt.Sprintf("Init container %s completed (exit code 0)", c.Name))
	} else {
		r.event(p, c.Name, corev1.EventTypeWarning, "Failed", fmt.Sprintf("Init container %s exited with code %d: %s", c.Name, code, strings.Join(lines, "; ")))
	}
	return code, true
}
