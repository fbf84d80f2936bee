package main

// The pod runner: for every Running pod of the workers cluster whose containers run
// a kubemark binary with --morph, run a real kubemark process as that container
// would run (see lab/README.md, "The pod runner").

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

var logsGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}

type runner struct {
	dir, podsDir, kubemark string
	cs                     kubernetes.Interface
	dyn                    dynamic.Interface
	portBase, portCount    int
	privateTmp             bool // a mount namespace per container with the pod's own /tmp
	netns                  bool // a network namespace per pod (else: port rewriting)
	fwd                    *netForwarder
	nsenter                string
	maxPods                int
	limited                map[types.UID]bool

	mu        sync.Mutex
	pods      map[types.UID]*podRun
	usedPorts map[int]types.UID
	dirty     chan struct{}
}

type podRun struct {
	uid       types.UID
	ns, name  string
	dir       string
	port      int
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	mu        sync.Mutex
	ctrs      map[string]*ctrState
	volMu     sync.Mutex // containers of a pod share its volumes
	graceSecs int64
	stopping  bool
	sandbox   int // pid of the pod's network-namespace holder, 0 in port-rewrite mode
}

type ctrState struct {
	name      string
	pid       int
	running   bool
	restarts  int
	lastError string
	logFile   string
	argv      []string
}

func cmdPodRunner(args []string) error {
	fs := flag.NewFlagSet("podrunner", flag.ContinueOnError)
	dir := fs.String("dir", labDir(), "lab state dir")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the workers cluster")
	kubemark := fs.String("kubemark", filepath.Join(binDir(), "kubemark-lab"), "multi-call binary providing `kubemark`")
	portBase := fs.Int("port-base", 40000, "first port for hollow kubelets")
	portCount := fs.Int("port-count", 1000, "number of ports for hollow kubelets")
	forwardPorts := fs.String("forward-ports", "", "comma-separated host ports (the apiservers) reachable on 127.0.0.1 from inside a pod's network namespace")
	if err := fs.Parse(args); err != nil {
		return exitErr{2, err.Error()}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "kubemark-lab-podrunner"
	r := &runner{
		dir: *dir, podsDir: filepath.Join(*dir, "pods"), kubemark: *kubemark,
		cs: kubernetes.NewForConfigOrDie(cfg), dyn: dynamic.NewForConfigOrDie(cfg),
		portBase: *portBase, portCount: *portCount,
		pods: map[types.UID]*podRun{}, usedPorts: map[int]types.UID{}, dirty: make(chan struct{}, 1),
		maxPods: envInt("KUBEMARK_LAB_MAX_HOLLOW_PODS", 100), limited: map[types.UID]bool{},
	}
	if err := os.MkdirAll(filepath.Join(*dir, "podrunner"), 0o755); err != nil {
		return err
	}
	r.privateTmp = canPrivateTmp(*dir, *kubemark)
	if canNetns() {
		var ports []int
		for _, f := range strings.Split(*forwardPorts, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
				ports = append(ports, n)
			}
		}
		fwd, err := startForwarder(filepath.Join(*dir, "podrunner"), ports)
		nsenter, lerr := exec.LookPath("nsenter")
		if err == nil && lerr == nil {
			r.netns, r.fwd, r.nsenter = true, fwd, nsenter
		} else {
			fmt.Fprintf(os.Stderr, "podrunner: no network namespaces: %v %v\n", err, lerr)
		}
	}
	if r.netns {
		fmt.Fprintf(os.Stderr, "podrunner: a network namespace per pod; 127.0.0.1:%s inside reach the host's\n", *forwardPorts)
	} else {
		fmt.Fprintln(os.Stderr, "podrunner: no network namespaces (not root?): each pod gets its own kubelet port instead")
	}
	if r.privateTmp {
		fmt.Fprintln(os.Stderr, "podrunner: running each container in its own mount namespace with the pod's own /tmp")
	} else {
		fmt.Fprintln(os.Stderr, "podrunner: containers share the host's /tmp (not root, no mount namespaces, or the lab lives under /tmp); the runner cleans up after them")
	}
	_ = os.Remove(filepath.Join(*dir, "podrunner", "ready"))
	// Pods dirs left by a previous run belong to processes that are gone.
	_ = os.RemoveAll(r.podsDir)
	if err := os.MkdirAll(r.podsDir, 0o755); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// periodic resync: pods held back by the limit start when others stop
	factory := informers.NewSharedInformerFactory(r.cs, 30*time.Second)
	inf := factory.Core().V1().Pods().Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { r.sync(o.(*corev1.Pod)) },
		UpdateFunc: func(_, o any) { r.sync(o.(*corev1.Pod)) },
		DeleteFunc: func(o any) {
			if t, ok := o.(cache.DeletedFinalStateUnknown); ok {
				o = t.Obj
			}
			if p, ok := o.(*corev1.Pod); ok {
				r.mu.Lock()
				delete(r.limited, p.UID)
				r.mu.Unlock()
				r.stopPod(p.UID, "pod deleted")
			}
		},
	})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("pod informer did not sync")
	}
	r.publish()
	if err := os.WriteFile(filepath.Join(*dir, "podrunner", "ready"), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "podrunner: watching pods of the workers cluster; hollow kubelet ports %d-%d\n", r.portBase, r.portBase+r.portCount-1)
	go r.publishLoop(ctx)
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "podrunner: stopping all hollow-node processes")
	r.mu.Lock()
	var all []types.UID
	for uid := range r.pods {
		all = append(all, uid)
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, uid := range all {
		wg.Add(1)
		go func(uid types.UID) { defer wg.Done(); r.stopPodWait(uid, "pod runner stopping", false) }(uid)
	}
	wg.Wait()
	r.publish()
	_ = os.Remove(filepath.Join(*dir, "podrunner", "ready"))
	fmt.Fprintln(os.Stderr, "podrunner: stopped")
	return nil
}

// kubemarkContainer reports whether c runs a kubemark binary with --morph.
func kubemarkContainer(c *corev1.Container) bool {
	all := append(append([]string{}, c.Command...), c.Args...)
	morph, km := false, len(c.Command) == 0
	for _, a := range all {
		if strings.Contains(a, "--morph") {
			morph = true
		}
		if strings.Contains(a, "kubemark") {
			km = true
		}
	}
	return morph && km
}

func (r *runner) sync(p *corev1.Pod) {
	want := p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning
	if want {
		want = false
		for i := range p.Spec.Containers {
			if kubemarkContainer(&p.Spec.Containers[i]) {
				want = true
			}
		}
	}
	r.mu.Lock()
	_, have := r.pods[p.UID]
	r.mu.Unlock()
	switch {
	case want && !have:
		r.startPod(p.DeepCopy())
	case !want && have:
		reason := "pod is " + string(p.Status.Phase)
		if p.DeletionTimestamp != nil {
			reason = "pod is terminating"
		}
		r.stopPod(p.UID, reason)
	}
}

func (r *runner) allocPort(uid types.UID) (int, error) {
	for i := 0; i < r.portCount; i++ {
		port := r.portBase + i
		if _, used := r.usedPorts[port]; used {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		ln.Close()
		ln, err = net.Listen("tcp", "0.0.0.0:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		ln.Close()
		r.usedPorts[port] = uid
		return port, nil
	}
	return 0, fmt.Errorf("no free hollow-kubelet port in %d-%d", r.portBase, r.portBase+r.portCount-1)
}

func (r *runner) startPod(p *corev1.Pod) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.pods[p.UID]; ok {
		return
	}
	if len(r.pods) >= r.maxPods {
		if !r.limited[p.UID] {
			r.limited[p.UID] = true
			msg := fmt.Sprintf("kubemark-lab: the pod runner already runs %d hollow-node pods (KUBEMARK_LAB_MAX_HOLLOW_PODS); %s waits until one stops", r.maxPods, p.Name)
			fmt.Fprintln(os.Stderr, "podrunner: "+msg)
			r.event(p, p.Spec.Containers[0].Name, corev1.EventTypeWarning, "LabLimit", msg)
		}
		return
	}
	delete(r.limited, p.UID)
	ctx, cancel := context.WithCancel(context.Background())
	pr := &podRun{uid: p.UID, ns: p.Namespace, name: p.Name, cancel: cancel, ctrs: map[string]*ctrState{},
		dir: filepath.Join(r.podsDir, fmt.Sprintf("%s_%s_%s", p.Namespace, p.Name, p.UID)), graceSecs: 10}
	for _, d := range []string{"logs", "volumes", "bin", "home", "tmp", "rootfs"} {
		_ = os.MkdirAll(filepath.Join(pr.dir, d), 0o755)
	}
	if r.netns {
		pid, err := r.startSandbox(pr)
		if err != nil {
			fmt.Fprintf(os.Stderr, "podrunner: %s/%s: no network namespace (%v); rewriting its kubelet port instead\n", p.Namespace, p.Name, err)
		}
		pr.sandbox = pid
	}
	extra := ""
	if pr.sandbox == 0 {
		port, err := r.allocPort(p.UID)
		if err != nil {
			fmt.Fprintf(os.Stderr, "podrunner: %s/%s: %v\n", p.Namespace, p.Name, err)
			cancel()
			return
		}
		pr.port = port
		extra = fmt.Sprintf(" --kubelet-port=%d --kubelet-read-only-port=0", port)
	}
	if g := p.Spec.TerminationGracePeriodSeconds; g != nil && *g < pr.graceSecs {
		pr.graceSecs = *g
	}
	r.pods[p.UID] = pr
	if pr.sandbox > 0 {
		fmt.Fprintf(os.Stderr, "podrunner: starting pod %s/%s (uid %s, network namespace of pid %d)\n", p.Namespace, p.Name, p.UID, pr.sandbox)
	} else {
		fmt.Fprintf(os.Stderr, "podrunner: starting pod %s/%s (uid %s, kubelet port %d)\n", p.Namespace, p.Name, p.UID, pr.port)
	}
	// The kubemark binary "inside the container": a wrapper that runs the lab's
	// kubemark with this pod's own kubelet port (port rewriting, see README).
	// As root each container has its own mount namespace, where the pod's tmp
	// directory is mounted on /tmp (the hollow kubelet keeps its root dir and its
	// fake runtime socket in /tmp, whatever TMPDIR says).
	wrapper := fmt.Sprintf(`#!/bin/sh
# kubemark of pod %s/%s, run by the kubemark lab pod runner
if [ -n "$KUBEMARK_LAB_POD_TMP" ]; then
  mount --bind "$KUBEMARK_LAB_POD_TMP" /tmp || { echo "kubemark-lab: cannot mount the pod's /tmp" >&2; exit 1; }
  unset KUBEMARK_LAB_POD_TMP
fi
exec %s kubemark "$@"%s
`, p.Namespace, p.Name, shQuote(r.kubemark), extra)
	_ = os.WriteFile(filepath.Join(pr.dir, "bin", "kubemark"), []byte(wrapper), 0o755)

	var logEntries []any
	for i := range p.Spec.Containers {
		c := p.Spec.Containers[i]
		cur := filepath.Join(pr.dir, "logs", c.Name+".log")
		prev := filepath.Join(pr.dir, "logs", c.Name+".previous.log")
		f, _ := os.OpenFile(cur, os.O_CREATE|os.O_WRONLY, 0o644)
		if f != nil {
			if !kubemarkContainer(&c) {
				writeCRILine(f, "stdout", fmt.Sprintf("kubemark-lab: container %q does not run kubemark --morph; the lab runs nothing for it", c.Name))
			}
			f.Close()
		}
		logEntries = append(logEntries, map[string]any{"containers": []any{c.Name}, "logsFile": cur, "previousLogsFile": prev, "follow": true})
		if !kubemarkContainer(&c) {
			continue
		}
		cs := &ctrState{name: c.Name, logFile: cur}
		pr.ctrs[c.Name] = cs
		pr.wg.Add(1)
		go func() {
			defer pr.wg.Done()
			r.runContainer(ctx, pr, p, &c, cs)
		}()
	}
	go r.ensureLogsCR(p, logEntries)
	r.markDirty()
}

// ensureLogsCR tells KWOK which file to serve as each container's log.
func (r *runner) ensureLogsCR(p *corev1.Pod, entries []any) {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Logs",
		"metadata": map[string]any{"name": p.Name, "namespace": p.Namespace,
			"labels":          map[string]any{"app.kubernetes.io/managed-by": "kubemark-lab-podrunner"},
			"ownerReferences": []any{map[string]any{"apiVersion": "v1", "kind": "Pod", "name": p.Name, "uid": string(p.UID)}}},
		"spec": map[string]any{"logs": entries},
	}}
	for i := 0; i < 20; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err := r.dyn.Resource(logsGVR).Namespace(p.Namespace).Create(ctx, obj, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			old, gerr := r.dyn.Resource(logsGVR).Namespace(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
			if gerr == nil {
				obj.SetResourceVersion(old.GetResourceVersion())
				_, err = r.dyn.Resource(logsGVR).Namespace(p.Namespace).Update(ctx, obj, metav1.UpdateOptions{})
			} else {
				err = gerr
			}
		}
		cancel()
		if err == nil {
			return
		}
		fmt.Fprintf(os.Stderr, "podrunner: %s/%s: Logs object: %v\n", p.Namespace, p.Name, err)
		time.Sleep(time.Second)
	}
}

func (r *runner) stopPod(uid types.UID, reason string) {
	go r.stopPodWait(uid, reason, true)
}

func (r *runner) stopPodWait(uid types.UID, reason string, removeDir bool) {
	r.mu.Lock()
	pr, ok := r.pods[uid]
	if !ok || (pr.stopping && removeDir) {
		r.mu.Unlock()
		return
	}
	pr.stopping = true
	r.mu.Unlock()
	fmt.Fprintf(os.Stderr, "podrunner: stopping pod %s/%s: %s\n", pr.ns, pr.name, reason)
	pr.cancel()
	pr.wg.Wait()
	if pr.sandbox > 0 {
		_ = syscall.Kill(-pr.sandbox, syscall.SIGTERM)
		waitGone(func() bool { return groupAlive(pr.sandbox) }, 3*time.Second)
		_ = syscall.Kill(-pr.sandbox, syscall.SIGKILL)
	}
	r.mu.Lock()
	delete(r.pods, uid)
	if pr.port > 0 {
		delete(r.usedPorts, pr.port)
	}
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	// Only our own Logs object: a StatefulSet may already have a new pod of that name.
	if obj, err := r.dyn.Resource(logsGVR).Namespace(pr.ns).Get(ctx, pr.name, metav1.GetOptions{}); err == nil {
		refs := obj.GetOwnerReferences()
		if len(refs) == 1 && refs[0].UID == pr.uid {
			uid := obj.GetUID()
			_ = r.dyn.Resource(logsGVR).Namespace(pr.ns).Delete(ctx, pr.name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		}
	}
	cancel()
	if removeDir {
		_ = os.RemoveAll(pr.dir)
	}
	r.markDirty()
}

func (r *runner) markDirty() {
	select {
	case r.dirty <- struct{}{}:
	default:
	}
}

func (r *runner) publishLoop(ctx context.Context) {
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

func (r *runner) publish() {
	st := podRunnerState{UpdatedAt: time.Now().UTC(), Containers: []runningEntry{}, NetworkMode: "port-rewrite", PrivateTmp: r.privateTmp}
	if r.netns {
		st.NetworkMode = "netns"
	}
	r.mu.Lock()
	for _, pr := range r.pods {
		pr.mu.Lock()
		for _, c := range pr.ctrs {
			st.Containers = append(st.Containers, runningEntry{Namespace: pr.ns, Pod: pr.name, PodUID: string(pr.uid), Container: c.name,
				Pid: c.pid, Running: c.running, Restarts: c.restarts, KubeletPort: pr.port, NetnsPid: pr.sandbox, LogFile: c.logFile, Argv: c.argv, LastError: c.lastError})
		}
		pr.mu.Unlock()
	}
	r.mu.Unlock()
	sort.Slice(st.Containers, func(i, j int) bool {
		a, b := st.Containers[i], st.Containers[j]
		if a.Namespace+"/"+a.Pod != b.Namespace+"/"+b.Pod {
			return a.Namespace+"/"+a.Pod < b.Namespace+"/"+b.Pod
		}
		return a.Container < b.Container
	})
	b, _ := json.MarshalIndent(st, "", "  ")
	p := filepath.Join(r.dir, "podrunner", "state.json")
	_ = os.WriteFile(p+".tmp", append(b, '\n'), 0o644)
	_ = os.Rename(p+".tmp", p)
}

// runContainer runs one container like a kubelet: prepare, start, wait, restart with back-off.
func (r *runner) runContainer(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container, cs *ctrState) {
	backoff := 2 * time.Second
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return
		}
		if attempt > 0 {
			// like the kubelet: the new container gets a new log; the last one stays as --previous
			_ = os.Rename(cs.logFile, strings.TrimSuffix(cs.logFile, ".log")+".previous.log")
		}
		logf, err := os.OpenFile(cs.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(os.Stderr, "podrunner: %v\n", err)
			return
		}
		lw := &criWriter{f: logf}
		started := time.Now()
		code, err := r.runOnce(ctx, pr, p, c, cs, lw)
		ran := time.Since(started)
		pr.mu.Lock()
		cs.running, cs.pid = false, 0
		if err != nil {
			cs.lastError = err.Error()
		} else {
			cs.lastError = fmt.Sprintf("exited with code %d", code)
		}
		pr.mu.Unlock()
		r.markDirty()
		if ctx.Err() != nil {
			logf.Close()
			return
		}
		if err != nil {
			lw.line("stderr", "kubemark-lab: "+err.Error())
			r.event(p, c.Name, corev1.EventTypeWarning, "Failed", "Error: "+err.Error())
		} else {
			lw.line("stderr", fmt.Sprintf("kubemark-lab: container %q exited with code %d after %s", c.Name, code, ran.Round(time.Millisecond)))
		}
		logf.Close()
		if ran > 2*time.Minute {
			backoff = 2 * time.Second
		}
		r.event(p, c.Name, corev1.EventTypeWarning, "BackOff", fmt.Sprintf("Back-off %s restarting failed container %s in pod %s (%s)", backoff, c.Name, p.Name, cs.lastError))
		pr.mu.Lock()
		cs.restarts++
		pr.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > time.Minute {
			backoff = time.Minute
		}
	}
}

type criWriter struct {
	mu      sync.Mutex
	f       *os.File
	rootDir string // the hollow kubelet's temporary root dir, from its log
}

func writeCRILine(w io.Writer, stream, s string) {
	fmt.Fprintf(w, "%s %s F %s\n", time.Now().UTC().Format(time.RFC3339Nano), stream, s)
}

func (w *criWriter) line(stream, s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	writeCRILine(w.f, stream, s)
	if w.rootDir == "" && strings.Contains(s, "as root dir for hollow-kubelet") {
		if i := strings.Index(s, "Using /"); i >= 0 {
			if f := strings.Fields(s[i+len("Using "):]); len(f) > 0 {
				w.rootDir = f[0]
			}
		}
	}
}

func (w *criWriter) pump(stream string, rd io.Reader, done *sync.WaitGroup) {
	defer done.Done()
	br := bufio.NewReaderSize(rd, 64*1024)
	for {
		s, err := br.ReadString('\n')
		if len(s) > 0 {
			w.line(stream, strings.TrimRight(s, "\r\n"))
		}
		if err != nil {
			return
		}
	}
}

func (r *runner) runOnce(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container, cs *ctrState, lw *criWriter) (int, error) {
	// Fresh view of the pod (status.podIP etc.) like a kubelet at container start.
	if fresh, err := r.cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); err == nil && fresh.UID == p.UID {
		p = fresh
	}
	env, err := r.resolveEnv(ctx, p, c)
	if err != nil {
		return -1, err
	}
	pr.volMu.Lock()
	mounts, err := r.materializeVolumes(ctx, pr, p, c)
	_ = os.MkdirAll(filepath.Join(pr.dir, "tmp"), 0o755)
	pr.volMu.Unlock()
	if err != nil {
		return -1, err
	}
	argv, err := containerArgv(c, env, mounts, filepath.Join(pr.dir, "bin", "kubemark"))
	if err != nil {
		return -1, err
	}
	run := argv
	if pr.sandbox > 0 {
		run = append([]string{r.nsenter, fmt.Sprintf("--net=/proc/%d/ns/net", pr.sandbox), "--"}, argv...)
	}
	cmd := exec.Command(run[0], run[1:]...)
	cmd.Env = processEnv(pr, p, env, r.dir)
	cmd.Dir = filepath.Join(pr.dir, "rootfs")
	if c.WorkingDir != "" {
		wd := rewritePaths(c.WorkingDir, mounts)
		if wd == c.WorkingDir {
			wd = filepath.Join(pr.dir, "rootfs", c.WorkingDir)
			_ = os.MkdirAll(wd, 0o755)
		}
		cmd.Dir = wd
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if r.privateTmp {
		cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
		cmd.Env = append(cmd.Env, "KUBEMARK_LAB_POD_TMP="+filepath.Join(pr.dir, "tmp"))
	}
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		return -1, fmt.Errorf("failed to start container %q: %v", c.Name, err)
	}
	pr.mu.Lock()
	cs.pid, cs.running, cs.argv, cs.lastError = cmd.Process.Pid, true, argv, ""
	pr.mu.Unlock()
	r.markDirty()
	where := fmt.Sprintf("kubelet port %d", pr.port)
	if pr.sandbox > 0 {
		where = "own network namespace"
	}
	r.event(p, c.Name, corev1.EventTypeNormal, "Started", fmt.Sprintf("Started container %s (kubemark-lab pod runner: pid %d, %s)", c.Name, cmd.Process.Pid, where))
	var pumps sync.WaitGroup
	pumps.Add(2)
	go lw.pump("stdout", stdout, &pumps)
	go lw.pump("stderr", stderr, &pumps)
	exited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			pgid := cmd.Process.Pid
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(time.Duration(pr.graceSecs) * time.Second):
				_ = syscall.Kill(-pgid, syscall.SIGKILL)
			}
		case <-exited:
		}
	}()
	pumps.Wait()
	err = cmd.Wait()
	close(exited)
	// make sure nothing of the container's process group survives it
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if !r.privateTmp {
		// without a private /tmp, clean up after the hollow kubelet
		if strings.HasPrefix(lw.rootDir, "/tmp/hollow-kubelet.") {
			_ = os.RemoveAll(lw.rootDir)
		}
		removeStaleFakeRuntimeSockets()
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				return 128 + int(ws.Signal()), nil
			}
			return ee.ExitCode(), nil
		}
		return -1, err
	}
	return 0, nil
}

func processEnv(pr *podRun, p *corev1.Pod, env []envVar, labDir string) []string {
	out := []string{
		"PATH=" + filepath.Join(pr.dir, "bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + filepath.Join(pr.dir, "home"),
		"TMPDIR=" + filepath.Join(pr.dir, "tmp"),
		"HOSTNAME=" + p.Name,
	}
	for _, e := range env {
		out = append(out, e.name+"="+e.value)
	}
	return append(out, markerEnv+"="+labDir)
}

type envVar struct{ name, value string }

// resolveEnv computes a container's environment like the kubelet does
// (envFrom, then env in order; $(VAR) in values refers to earlier variables).
func (r *runner) resolveEnv(ctx context.Context, p *corev1.Pod, c *corev1.Container) ([]envVar, error) {
	vals := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, err := r.cs.CoreV1().ConfigMaps(p.Namespace).Get(ctx, ef.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if ef.ConfigMapRef.Optional != nil && *ef.ConfigMapRef.Optional {
					continue
				}
				return nil, fmt.Errorf("CreateContainerConfigError: configmap %q not found", ef.ConfigMapRef.Name)
			}
			for k, v := range cm.Data {
				set(ef.Prefix+k, v)
			}
		case ef.SecretRef != nil:
			s, err := r.cs.CoreV1().Secrets(p.Namespace).Get(ctx, ef.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if ef.SecretRef.Optional != nil && *ef.SecretRef.Optional {
					continue
				}
				return nil, fmt.Errorf("CreateContainerConfigError: secret %q not found", ef.SecretRef.Name)
			}
			for k, v := range s.Data {
				set(ef.Prefix+k, string(v))
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expansion.Expand(e.Value, expansion.MappingFuncFor(vals)))
			continue
		}
		v, skip, err := r.envValueFrom(ctx, p, c, e.ValueFrom)
		if err != nil {
			return nil, err
		}
		if !skip {
			set(e.Name, v)
		}
	}
	out := make([]envVar, 0, len(order))
	for _, k := range order {
		out = append(out, envVar{k, vals[k]})
	}
	return out, nil
}

func (r *runner) envValueFrom(ctx context.Context, p *corev1.Pod, c *corev1.Container, vf *corev1.EnvVarSource) (string, bool, error) {
	switch {
	case vf.FieldRef != nil:
		v, err := podField(p, vf.FieldRef.FieldPath)
		return v, false, err
	case vf.ConfigMapKeyRef != nil:
		ref := vf.ConfigMapKeyRef
		optional := ref.Optional != nil && *ref.Optional
		cm, err := r.cs.CoreV1().ConfigMaps(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: configmap %q not found", ref.Name)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if b, ok2 := cm.BinaryData[ref.Key]; ok2 {
				return string(b), false, nil
			}
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: couldn't find key %s in ConfigMap %s/%s", ref.Key, p.Namespace, ref.Name)
		}
		return v, false, nil
	case vf.SecretKeyRef != nil:
		ref := vf.SecretKeyRef
		optional := ref.Optional != nil && *ref.Optional
		s, err := r.cs.CoreV1().Secrets(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: secret %q not found", ref.Name)
		}
		b, ok := s.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: couldn't find key %s in Secret %s/%s", ref.Key, p.Namespace, ref.Name)
		}
		return string(b), false, nil
	case vf.ResourceFieldRef != nil:
		return resourceField(c, vf.ResourceFieldRef), false, nil
	}
	return "", true, nil
}

func podField(p *corev1.Pod, fp string) (string, error) {
	switch fp {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return string(p.UID), nil
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	case "status.podIP":
		return p.Status.PodIP, nil
	case "status.hostIP":
		return p.Status.HostIP, nil
	case "status.podIPs":
		var ips []string
		for _, ip := range p.Status.PodIPs {
			ips = append(ips, ip.IP)
		}
		return strings.Join(ips, ","), nil
	case "status.hostIPs":
		var ips []string
		for _, ip := range p.Status.HostIPs {
			ips = append(ips, ip.IP)
		}
		return strings.Join(ips, ","), nil
	}
	for _, pre := range []struct {
		prefix string
		m      map[string]string
	}{{"metadata.labels['", p.Labels}, {"metadata.annotations['", p.Annotations}} {
		if strings.HasPrefix(fp, pre.prefix) && strings.HasSuffix(fp, "']") {
			return pre.m[strings.TrimSuffix(strings.TrimPrefix(fp, pre.prefix), "']")], nil
		}
	}
	if fp == "metadata.labels" || fp == "metadata.annotations" {
		m := p.Labels
		if fp == "metadata.annotations" {
			m = p.Annotations
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var lines []string
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("%s=%q", k, m[k]))
		}
		return strings.Join(lines, "\n"), nil
	}
	return "", fmt.Errorf("CreateContainerConfigError: unsupported fieldRef %q", fp)
}

func resourceField(c *corev1.Container, ref *corev1.ResourceFieldSelector) string {
	parts := strings.SplitN(ref.Resource, ".", 2)
	if len(parts) != 2 {
		return ""
	}
	list := c.Resources.Requests
	if parts[0] == "limits" {
		list = c.Resources.Limits
	}
	q, ok := list[corev1.ResourceName(parts[1])]
	if !ok {
		return "0"
	}
	div := ref.Divisor
	if div.IsZero() {
		if parts[1] == "cpu" {
			return strconv.FormatInt((q.MilliValue()+999)/1000, 10)
		}
		return strconv.FormatInt(q.Value(), 10)
	}
	if parts[1] == "cpu" {
		return strconv.FormatInt((q.MilliValue()+div.MilliValue()-1)/div.MilliValue(), 10)
	}
	return strconv.FormatInt((q.Value()+div.Value()-1)/div.Value(), 10)
}

type mount struct{ containerPath, hostPath string }

// materializeVolumes writes the files of the container's Secret, ConfigMap,
// projected and downwardAPI volumes into the pod's directory and returns where
// each mount path of the container lives on the host.
func (r *runner) materializeVolumes(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container) ([]mount, error) {
	vols := map[string]*corev1.Volume{}
	for i := range p.Spec.Volumes {
		vols[p.Spec.Volumes[i].Name] = &p.Spec.Volumes[i]
	}
	done := map[string]string{}
	var out []mount
	for _, vm := range c.VolumeMounts {
		v, ok := vols[vm.Name]
		if !ok {
			return nil, fmt.Errorf("CreateContainerConfigError: volume %q of mount %s not found in the pod spec", vm.Name, vm.MountPath)
		}
		dir, ok := done[vm.Name]
		if !ok {
			var err error
			dir, err = r.materializeVolume(ctx, pr, p, v)
			if err != nil {
				return nil, err
			}
			done[vm.Name] = dir
		}
		host := dir
		if vm.SubPath != "" {
			host = filepath.Join(dir, filepath.Clean("/"+vm.SubPath))
		}
		out = append(out, mount{containerPath: path.Clean(vm.MountPath), hostPath: host})
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i].containerPath) > len(out[j].containerPath) })
	return out, nil
}

func (r *runner) materializeVolume(ctx context.Context, pr *podRun, p *corev1.Pod, v *corev1.Volume) (string, error) {
	if v.HostPath != nil {
		return v.HostPath.Path, nil
	}
	final := filepath.Join(pr.dir, "volumes", v.Name)
	files := map[string][]byte{}
	add := func(all map[string][]byte, items []corev1.KeyToPath, what string) error {
		if len(items) == 0 {
			for k, b := range all {
				files[k] = b
			}
			return nil
		}
		for _, it := range items {
			b, ok := all[it.Key]
			if !ok {
				return fmt.Errorf("MountVolume.SetUp failed for volume %q: configmap/secret %s has no key %q", v.Name, what, it.Key)
			}
			files[it.Path] = b
		}
		return nil
	}
	secret := func(name string, items []corev1.KeyToPath, optional *bool) error {
		s, err := r.cs.CoreV1().Secrets(p.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if optional != nil && *optional && apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("MountVolume.SetUp failed for volume %q: secret %q not found", v.Name, name)
		}
		return add(s.Data, items, name)
	}
	configMap := func(name string, items []corev1.KeyToPath, optional *bool) error {
		cm, err := r.cs.CoreV1().ConfigMaps(p.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			if optional != nil && *optional && apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("MountVolume.SetUp failed for volume %q: configmap %q not found", v.Name, name)
		}
		all := map[string][]byte{}
		for k, s := range cm.Data {
			all[k] = []byte(s)
		}
		for k, b := range cm.BinaryData {
			all[k] = b
		}
		return add(all, items, name)
	}
	downward := func(items []corev1.DownwardAPIVolumeFile) error {
		for _, it := range items {
			if it.FieldRef != nil {
				s, err := podField(p, it.FieldRef.FieldPath)
				if err != nil {
					return err
				}
				files[it.Path] = []byte(s)
			}
		}
		return nil
	}
	var err error
	switch {
	case v.Secret != nil:
		err = secret(v.Secret.SecretName, v.Secret.Items, v.Secret.Optional)
	case v.ConfigMap != nil:
		err = configMap(v.ConfigMap.Name, v.ConfigMap.Items, v.ConfigMap.Optional)
	case v.DownwardAPI != nil:
		err = downward(v.DownwardAPI.Items)
	case v.Projected != nil:
		for _, src := range v.Projected.Sources {
			switch {
			case src.Secret != nil:
				err = secret(src.Secret.Name, src.Secret.Items, src.Secret.Optional)
			case src.ConfigMap != nil:
				err = configMap(src.ConfigMap.Name, src.ConfigMap.Items, src.ConfigMap.Optional)
			case src.DownwardAPI != nil:
				err = downward(src.DownwardAPI.Items)
			}
			if err != nil {
				break
			}
		}
	default:
		// emptyDir and everything else: an empty directory
		return final, os.MkdirAll(final, 0o755)
	}
	if err != nil {
		return "", err
	}
	// write into a fresh dir, then swap (a restarted container sees current content)
	tmp := final + ".new"
	_ = os.RemoveAll(tmp)
	for rel, b := range files {
		fp := filepath.Join(tmp, filepath.Clean("/"+rel))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(fp, b, 0o600); err != nil {
			return "", err
		}
	}
	_ = os.MkdirAll(tmp, 0o755)
	_ = os.RemoveAll(final)
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	return final, nil
}

func isShell(s string) bool {
	switch path.Base(s) {
	case "sh", "bash", "ash", "dash", "zsh", "ksh", "busybox":
		return true
	}
	return false
}

// containerArgv builds the host command line of a container: $(VAR) expanded
// from its env as Kubernetes does, the kubemark binary mapped to the pod's
// wrapper, and paths under the container's mounts mapped to the pod's directory.
func containerArgv(c *corev1.Container, env []envVar, mounts []mount, wrapper string) ([]string, error) {
	m := map[string]string{}
	for _, e := range env {
		m[e.name] = e.value
	}
	mapping := expansion.MappingFuncFor(m)
	var cmdv, argv []string
	for _, s := range c.Command {
		cmdv = append(cmdv, expansion.Expand(s, mapping))
	}
	for _, s := range c.Args {
		argv = append(argv, expansion.Expand(s, mapping))
	}
	if len(cmdv) == 0 {
		// the kubemark image's own entrypoint is /kubemark
		return append([]string{wrapper}, rewriteAll(argv, mounts)...), nil
	}
	full := append(cmdv, argv...)
	if isShell(full[0]) {
		// sh -c 'script' [$0 ...]: run through /bin/sh with the kubemark path mapped
		out := []string{"/bin/sh"}
		rest := full[1:]
		if path.Base(full[0]) == "busybox" && len(rest) > 0 && isShell(rest[0]) {
			rest = rest[1:]
		}
		for i := 0; i < len(rest); i++ {
			a := rest[i]
			out = append(out, rewriteKubemark(rewritePaths(a, mounts), wrapper))
		}
		return out, nil
	}
	// exec form: skip wrappers such as go-runner up to the kubemark binary
	for i, a := range full {
		if path.Base(a) == "kubemark" {
			return append([]string{wrapper}, rewriteAll(full[i+1:], mounts)...), nil
		}
	}
	return nil, fmt.Errorf("RunContainerError: cannot find the kubemark binary in command %q", strings.Join(full, " "))
}

func rewriteAll(args []string, mounts []mount) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = rewritePaths(a, mounts)
	}
	return out
}

func isPathChar(b byte) bool {
	return b == '/' || b == '.' || b == '_' || b == '-' || b == '~' || b == '+' ||
		(b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// rewritePaths maps every path in s that lies under a mount path to the host
// directory of that mount (one pass, longest mount first).
func rewritePaths(s string, mounts []mount) string {
	if len(mounts) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '/' && (i == 0 || !isPathChar(s[i-1])) {
			matched := false
			for _, m := range mounts {
				cp := m.containerPath
				if cp == "/" {
					continue
				}
				if strings.HasPrefix(s[i:], cp) {
					end := i + len(cp)
					if end == len(s) || s[end] == '/' || !isPathChar(s[end]) {
						b.WriteString(m.hostPath)
						i = end
						matched = true
						break
					}
				}
			}
			if matched {
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// rewriteKubemark maps each word of a shell script that names a kubemark
// binary (/kubemark, ./kubemark, /usr/local/bin/kubemark, kubemark) to wrapper.
func rewriteKubemark(script, wrapper string) string {
	var b strings.Builder
	i := 0
	for i < len(script) {
		if isPathChar(script[i]) && (i == 0 || !isPathChar(script[i-1])) {
			j := i
			for j < len(script) && isPathChar(script[j]) {
				j++
			}
			word := script[i:j]
			if path.Base(word) == "kubemark" && (word == "kubemark" || strings.Contains(word, "/")) {
				b.WriteString(wrapper)
			} else {
				b.WriteString(word)
			}
			i = j
			continue
		}
		b.WriteByte(script[i])
		i++
	}
	return b.String()
}

func shQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

func (r *runner) event(p *corev1.Pod, container, typ, reason, msg string) {
	go func() {
		now := metav1.Now()
		ev := &corev1.Event{
			ObjectMeta: metav1.ObjectMeta{GenerateName: p.Name + ".", Namespace: p.Namespace},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, APIVersion: "v1",
				FieldPath: fmt.Sprintf("spec.containers{%s}", container)},
			Reason: reason, Message: msg, Type: typ, FirstTimestamp: now, LastTimestamp: now, Count: 1,
			Source: corev1.EventSource{Component: "kubemark-lab-podrunner", Host: p.Spec.NodeName},
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = r.cs.CoreV1().Events(p.Namespace).Create(ctx, ev, metav1.CreateOptions{})
	}()
}

// canPrivateTmp reports whether containers can get a mount namespace of their own.
func canPrivateTmp(labDir, kubemark string) bool {
	if os.Geteuid() != 0 || os.Getenv("KUBEMARK_LAB_NO_MOUNT_NS") == "1" {
		return false
	}
	// A private /tmp would hide the lab's own files if they live under /tmp.
	for _, p := range []string{labDir, kubemark} {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if p == "/tmp" || strings.HasPrefix(p, "/tmp/") || strings.HasPrefix(p, os.TempDir()+"/") {
			return false
		}
	}
	if _, err := exec.LookPath("mount"); err != nil {
		return false
	}
	cmd := exec.Command("/bin/sh", "-c", "mount --bind /tmp /tmp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	return cmd.Run() == nil
}

// removeStaleFakeRuntimeSockets removes /tmp/kubelet_remote_*.sock files (the
// hollow kubelet's fake CRI endpoint) that nobody listens on any more.
func removeStaleFakeRuntimeSockets() {
	files, _ := filepath.Glob("/tmp/kubelet_remote_*.sock")
	for _, f := range files {
		c, err := net.DialTimeout("unix", f, 200*time.Millisecond)
		if err == nil {
			c.Close()
			continue
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			_ = os.Remove(f)
		}
	}
}
