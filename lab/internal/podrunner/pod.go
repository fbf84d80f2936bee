package podrunner

// A pod's lifecycle: its sandbox (network namespace or kubelet port), its init
// containers in order, then its kubemark containers; and its teardown.

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

type podRun struct {
	key, ns, name string
	uid           types.UID
	dir           string
	ctx           context.Context
	cancel        context.CancelFunc
	done          chan struct{} // closed when the pod's goroutine and containers ended
	graceSecs     int64

	// set up by runPod before any container starts
	port      int    // port-rewrite mode
	netnsFile string // netns mode
	ip        string
	fwd       *forwarder

	mu    sync.Mutex
	ctrs  map[string]*ctrState
	volMu sync.Mutex // containers of a pod share its volumes
}

type ctrState struct {
	name      string
	init      bool
	pid       int
	running   bool
	exited    bool
	exitCode  int
	restarts  int
	lastError string
	logFile   string
	argv      []string
	started   time.Time
	finished  time.Time
}

func (r *Runner) newPodRun(key string, p *corev1.Pod) *podRun {
	ctx, cancel := context.WithCancel(context.Background())
	pr := &podRun{key: key, ns: p.Namespace, name: p.Name, uid: p.UID, ctx: ctx, cancel: cancel, done: make(chan struct{}),
		dir: filepath.Join(r.podsDir, fmt.Sprintf("%s_%s_%s", p.Namespace, p.Name, p.UID)), graceSecs: 10, ctrs: map[string]*ctrState{}}
	if g := p.Spec.TerminationGracePeriodSeconds; g != nil && *g < pr.graceSecs {
		pr.graceSecs = *g
	}
	return pr
}

// runPod runs a pod until ctx ends: sandbox, init containers, containers.
func (r *Runner) runPod(ctx context.Context, pr *podRun, p *corev1.Pod) {
	for _, d := range []string{"logs", "volumes", "home", "tmp", "rootfs"} {
		_ = os.MkdirAll(filepath.Join(pr.dir, d), 0o755)
	}
	if !r.sandbox(ctx, pr, p) {
		return
	}
	var logEntries []any
	all := append(append([]corev1.Container{}, p.Spec.InitContainers...), p.Spec.Containers...)
	for _, c := range all {
		cur := filepath.Join(pr.dir, "logs", c.Name+".log")
		logEntries = append(logEntries, map[string]any{"containers": []any{c.Name}, "logsFile": cur,
			"previousLogsFile": filepath.Join(pr.dir, "logs", c.Name+".previous.log"), "follow": true})
		if f, err := os.OpenFile(cur, os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
			f.Close()
		}
	}
	r.wg.Add(1)
	go func() { defer r.wg.Done(); r.ensureLogsCR(ctx, p, logEntries) }()

	if !r.runInitContainers(ctx, pr, p) {
		return
	}
	var wg sync.WaitGroup
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		if !IsKubemarkContainer(c) {
			r.notRun(pr, p, c.Name, fmt.Sprintf("kubemark-lab: container %q does not run kubemark --morph; the lab runs nothing for it", c.Name))
			continue
		}
		cs := &ctrState{name: c.Name, logFile: filepath.Join(pr.dir, "logs", c.Name+".log")}
		pr.mu.Lock()
		pr.ctrs[c.Name] = cs
		pr.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runContainer(ctx, pr, p, c, cs)
		}()
	}
	r.markDirty()
	wg.Wait()
}

// notRun records in a container's log and in an Event that the lab does not run it.
func (r *Runner) notRun(pr *podRun, p *corev1.Pod, container, msg string) {
	if f, err := os.OpenFile(filepath.Join(pr.dir, "logs", container+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		writeCRILine(f, "stderr", msg)
		f.Close()
	}
	r.event(p, container, corev1.EventTypeWarning, "NotRun", msg)
}

// sandbox gives the pod its network identity, retrying with back-off like a
// kubelet whose sandbox creation fails. It returns false when ctx ended.
func (r *Runner) sandbox(ctx context.Context, pr *podRun, p *corev1.Pod) bool {
	backoff := time.Second
	for ctx.Err() == nil {
		err := r.trySandbox(pr, p)
		if err == nil {
			r.markDirty()
			return true
		}
		logf("%s: %v", pr.key, err)
		r.event(p, "", corev1.EventTypeWarning, "FailedCreatePodSandBox", "kubemark-lab: "+err.Error())
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > 30*time.Second {
			backoff = 30 * time.Second
		}
	}
	return false
}

func (r *Runner) trySandbox(pr *podRun, p *corev1.Pod) error {
	addr := podAddress(p.Status.PodIP, string(p.UID))
	pr.mu.Lock() // state.json reads these
	pr.ip = addr.String()
	pr.mu.Unlock()
	if err := writePodEtcFiles(pr.dir, p, addr.String()); err != nil {
		return err
	}
	if !r.netns {
		port, err := r.allocPort(pr.uid)
		if err != nil {
			return err
		}
		pr.mu.Lock()
		pr.port = port
		pr.mu.Unlock()
		return nil
	}
	file := filepath.Join(r.netnsDir, string(pr.uid))
	if err := ensureNetns(file, addr); err != nil {
		return fmt.Errorf("network namespace: %v", err)
	}
	fwd, err := startForwarder(file, r.cfg.ForwardPorts)
	if err != nil {
		return fmt.Errorf("forwarding the apiserver ports into the pod: %v", err)
	}
	pr.mu.Lock()
	pr.netnsFile, pr.fwd = file, fwd
	pr.mu.Unlock()
	return nil
}

// writePodEtcFiles writes the pod's /etc/hosts (its hostname is its IP, as in a
// real pod) and /etc/resolv.conf (no DNS in the lab).
func writePodEtcFiles(dir string, p *corev1.Pod, ip string) error {
	host := p.Name
	if p.Spec.Hostname != "" {
		host = p.Spec.Hostname
	}
	hosts := "# Kubernetes-managed hosts file (kubemark lab).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + ip + "\t" + host + "\n"
	if err := os.WriteFile(filepath.Join(dir, "hosts"), []byte(hosts), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "resolv.conf"), []byte("# kubemark lab: no cluster DNS\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"), 0o644)
}

func (r *Runner) allocPort(uid types.UID) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := 0; i < r.cfg.PortCount; i++ {
		port := r.cfg.PortBase + i
		if _, used := r.usedPorts[port]; used {
			continue
		}
		free := true
		for _, a := range []string{"127.0.0.1:", "0.0.0.0:"} {
			ln, err := net.Listen("tcp", a+strconv.Itoa(port))
			if err != nil {
				free = false
				break
			}
			ln.Close()
		}
		if free {
			r.usedPorts[port] = uid
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free hollow-kubelet port in %d-%d", r.cfg.PortBase, r.cfg.PortBase+r.cfg.PortCount-1)
}

// teardown releases what a stopped pod held.
func (r *Runner) teardown(pr *podRun, removeDir bool) {
	pr.fwd.close()
	if pr.netnsFile != "" {
		removeNetns(pr.netnsFile)
	}
	if pr.port > 0 {
		r.mu.Lock()
		delete(r.usedPorts, pr.port)
		r.mu.Unlock()
	}
	r.deleteLogsCR(pr)
	if removeDir {
		_ = os.RemoveAll(pr.dir)
	}
	r.markDirty()
}

// killGroup ends a process group: SIGTERM, SIGKILL after grace.
func killGroup(pgid int, grace time.Duration, exited <-chan struct{}) {
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
}
