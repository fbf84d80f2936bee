// Package podrunner is the lab's pod runner: for every Running hollow-node pod of
// the workers cluster it runs real kubemark processes as the pod's containers
// would run (see lab/README.md, "The pod runner").
//
// Files by job: runner.go (controller: informer, workqueue, reconcile), pod.go
// (a pod's lifecycle), container.go (container run loop), initctr.go (init
// containers), env.go and volumes.go (environment, volumes), argv.go (command
// lines), logs.go, events.go, status.go, state.go, isolation.go and netns.go
// (mount and network namespaces), fakecri.go (a node's containerd socket),
// orphans.go (process identity).
package podrunner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Config of a pod runner.
type Config struct {
	Dir          string // the lab's state folder
	Kubemark     string // the multi-call binary providing `kubemark` and `fake-cri`
	Self         string // kubemark-labctl (its `container` verb isolates a container)
	PortBase     int    // hollow-kubelet ports in port-rewrite mode
	PortCount    int
	ForwardPorts []int  // host ports reachable on 127.0.0.1 inside a pod's network namespace
	MaxPods      int    // at most this many hollow-node pods run at once
	Marker       string // the lab's marker variable (KUBEMARK_LAB_ID)
	Workers      int    // reconcile workers (default 2)
	// HollowNamespaces: namespaces whose hollow-node pods run without the
	// extension's managed-by label (lab.json hollowNamespaces).
	HollowNamespaces []string
}

// Runner runs hollow-node pods.
type Runner struct {
	cfg                         Config
	cs                          kubernetes.Interface
	dyn                         dynamic.Interface
	podsDir, nodesDir, netnsDir string
	netns, mountNS              bool

	queue  workqueue.TypedRateLimitingInterface[string]
	getPod func(key string) (*corev1.Pod, error) // nil, nil: no such pod
	// getNamespace: nil, nil when there is no such namespace
	getNamespace func(name string) (*corev1.Namespace, error)
	launch       func(ctx context.Context, pr *podRun, p *corev1.Pod)
	wg           sync.WaitGroup // events and teardowns in flight
	stopping     chan struct{}  // closed when the pod runner stops (ends event retries)
	stopOnce     sync.Once

	mu        sync.Mutex
	pods      map[string]*podRun // by namespace/name
	usedPorts map[int]types.UID
	noticed   map[types.UID]string // pods already told why they do not run
	waiting   map[string]bool      // pods held back by the cap
	dirty     chan struct{}
	cris      fakeCRIs
}

// New makes a Runner; isolation is probed (root: namespaces; else port rewriting).
func New(cfg Config, cs kubernetes.Interface, dyn dynamic.Interface) *Runner {
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	if cfg.MaxPods <= 0 {
		cfg.MaxPods, _ = DefaultMaxPods()
	}
	r := &Runner{cfg: cfg, cs: cs, dyn: dyn, stopping: make(chan struct{}),
		podsDir: filepath.Join(cfg.Dir, "pods"), nodesDir: filepath.Join(cfg.Dir, "nodes"), netnsDir: filepath.Join(cfg.Dir, "netns"),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](500*time.Millisecond, 30*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "hollow-pods"}),
		pods: map[string]*podRun{}, usedPorts: map[int]types.UID{}, noticed: map[types.UID]string{}, waiting: map[string]bool{}, dirty: make(chan struct{}, 1),
	}
	r.launch = r.runPod
	return r
}

// Measured per hollow node (kubelet + proxy, lab/README.md "What it costs"): 0.4 % of
// one core in steady state, and ~39 MiB of machine memory (30 MiB private).
const (
	cpuPerHollowNode = 0.004
	memPerHollowNode = 40 << 20
)

// measuredMaxPods is the most hollow-node pods measured at once on the 2-core /
// 24 GiB machine (lab/README.md "What it costs"); the machine's bound beyond it
// is an extrapolation, so the default stops there.
const measuredMaxPods = 100

// DefaultMaxPods is the cap of hollow-node pods run at once: as many as fit in
// half of the machine's CPU (steady state) and half of its memory, whichever is
// fewer (2 cores / 24 GiB: 250, set by CPU), and at most the 100 measured. It
// returns the cap and why.
func DefaultMaxPods() (int, string) {
	byCPU := int(float64(runtime.NumCPU()) * 0.5 / cpuPerHollowNode)
	byMem := byCPU
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kib int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kib); err == nil {
			byMem = int(kib * 1024 / 2 / memPerHollowNode)
		}
	}
	n, why := byCPU, fmt.Sprintf("half of %d CPUs at 0.4 %% of a core per hollow node (memory would allow %d)", runtime.NumCPU(), byMem)
	if byMem < byCPU {
		n, why = byMem, fmt.Sprintf("half of the machine's memory at ~40 MiB per hollow node (CPU would allow %d)", byCPU)
	}
	if n > measuredMaxPods {
		return measuredMaxPods, fmt.Sprintf("the most measured on a 2-core / 24 GiB machine (the machine would allow %d: %s)", n, why)
	}
	return n, why
}

// capToPorts lowers the cap to the kubelet ports there are in port-rewrite mode
// (no network namespaces): each running pod holds one. It says whether it did.
func (r *Runner) capToPorts() bool {
	if r.netns || r.cfg.PortCount <= 0 || r.cfg.MaxPods <= r.cfg.PortCount {
		return false
	}
	r.cfg.MaxPods = r.cfg.PortCount
	return true
}

// Run watches pods until ctx ends, then stops every container.
func (r *Runner) Run(ctx context.Context, ready func()) error {
	for _, d := range []string{r.podsDir, r.nodesDir, filepath.Join(r.cfg.Dir, "podrunner"), filepath.Join(r.cfg.Dir, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if n := killOrphans(r.cfg.Marker, r.cfg.Dir); n > 0 {
		logf("killed %d process(es) a previous pod runner of this lab left behind", n)
	}
	factory := informers.NewSharedInformerFactory(r.cs, 30*time.Second)
	inf := factory.Core().V1().Pods().Informer()
	lister := factory.Core().V1().Pods().Lister()
	r.getPod = func(key string) (*corev1.Pod, error) {
		ns, name, _ := cache.SplitMetaNamespaceKey(key)
		p, err := lister.Pods(ns).Get(name)
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return p, err
	}
	enqueue := func(o any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(o); err == nil {
			r.queue.Add(key)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: enqueue, UpdateFunc: func(_, o any) { enqueue(o) }, DeleteFunc: enqueue})
	nsInf := factory.Core().V1().Namespaces().Informer()
	nsLister := factory.Core().V1().Namespaces().Lister()
	r.getNamespace = func(name string) (*corev1.Namespace, error) {
		o, err := nsLister.Get(name)
		if apierrors.IsNotFound(err) {
			// a namespace made just before its pods may not be in the cache yet
			gctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			o, err = r.cs.CoreV1().Namespaces().Get(gctx, name, metav1.GetOptions{})
			cancel()
		}
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return o, err
	}
	// a namespace labelled (or unlabelled) later: check its pods again
	nsChanged := func(o any) {
		if ns, ok := o.(*corev1.Namespace); ok {
			pods, _ := lister.Pods(ns.Name).List(labels.Everything())
			for _, k := range podKeysIn(pods) {
				r.queue.Add(k)
			}
		}
	}
	_, _ = nsInf.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: nsChanged, UpdateFunc: func(_, o any) { nsChanged(o) }})
	factory.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced, nsInf.HasSynced) {
		return fmt.Errorf("pod informer did not sync")
	}
	r.removeLeftovers(lister)
	for i := 0; i < r.cfg.Workers; i++ {
		go r.worker()
	}
	r.publish()
	if ready != nil {
		ready()
	}
	go r.publishLoop(ctx)
	<-ctx.Done()
	r.queue.ShutDown()
	r.stopAll()
	return nil
}

// removeLeftovers removes what a previous pod runner kept for pods that are
// gone: their folders and network namespaces. Those of pods that still exist
// stay (logs, and the namespace their containers join again).
func (r *Runner) removeLeftovers(lister corelisters.PodLister) {
	pods, _ := lister.List(labels.Everything())
	live := map[string]bool{}
	for _, p := range pods {
		live[string(p.UID)] = true
	}
	ents, _ := os.ReadDir(r.podsDir)
	for _, e := range ents {
		parts := strings.Split(e.Name(), "_")
		if !live[parts[len(parts)-1]] {
			_ = os.RemoveAll(filepath.Join(r.podsDir, e.Name()))
		}
	}
	files, _ := os.ReadDir(r.netnsDir)
	for _, f := range files {
		if !live[f.Name()] {
			removeNetns(filepath.Join(r.netnsDir, f.Name()))
		}
	}
}

func (r *Runner) worker() {
	for {
		key, quit := r.queue.Get()
		if quit {
			return
		}
		requeue, err := r.reconcile(key)
		switch {
		case err != nil:
			logf("%s: %v", key, err)
			r.queue.AddRateLimited(key)
		case requeue:
			r.queue.AddRateLimited(key)
		default:
			r.queue.Forget(key)
		}
		r.queue.Done(key)
	}
}

// reconcile makes what runs for key match the pod: it starts a Running
// hollow-node pod, stops one that is gone, terminating or replaced, and tells a
// pod the lab will not run why. It never waits for a start or a stop.
func (r *Runner) reconcile(key string) (requeue bool, err error) {
	p, err := r.getPod(key)
	if err != nil {
		return false, err
	}
	hollow := p != nil && IsHollowPod(p)
	allowed := false
	if hollow {
		if allowed, err = r.namespaceAllowed(p.Namespace); err != nil {
			return false, err
		}
	}
	want := hollow && allowed && p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning
	r.mu.Lock()
	defer r.mu.Unlock()
	if pr := r.pods[key]; pr != nil && (!want || pr.uid != p.UID) {
		reason := "pod deleted"
		switch {
		case p == nil:
		case pr.uid != p.UID:
			reason = "pod replaced by a new pod of that name"
		case p.DeletionTimestamp != nil:
			reason = "pod is terminating"
		case !allowed:
			reason = "its namespace is no longer one the lab runs hollow-node pods in"
		default:
			reason = "pod is " + string(p.Status.Phase)
		}
		r.stopLocked(pr, reason)
	}
	if p != nil && !hollow && p.DeletionTimestamp == nil && r.noticed[p.UID] == "" {
		r.noticed[p.UID] = "NotRun"
		r.event(p, "", corev1.EventTypeWarning, "NotRun",
			"kubemark-lab runs only hollow-node pods (a container whose command runs kubemark --morph); none of this pod's containers runs")
	}
	if p != nil && hollow && !allowed && p.DeletionTimestamp == nil && r.noticed[p.UID] != "NotRunNamespace" {
		r.noticed[p.UID] = "NotRunNamespace"
		msg := namespaceNotAllowedMsg(p.Namespace, r.cfg.HollowNamespaces)
		logf("%s: %s", key, msg)
		r.event(p, "", corev1.EventTypeWarning, "NotRun", msg)
	}
	if !want {
		delete(r.waiting, key)
		return false, nil
	}
	if r.pods[key] != nil {
		return false, nil
	}
	if len(r.pods) >= r.cfg.MaxPods {
		if r.noticed[p.UID] != "LabLimit" {
			r.noticed[p.UID] = "LabLimit"
			msg := fmt.Sprintf("kubemark-lab: the pod runner already runs %d hollow-node pods (KUBEMARK_LAB_MAX_HOLLOW_PODS); %s waits until one stops", r.cfg.MaxPods, p.Name)
			logf("%s", msg)
			r.event(p, "", corev1.EventTypeWarning, "LabLimit", msg)
		}
		r.waiting[key] = true
		return true, nil
	}
	delete(r.waiting, key)
	delete(r.noticed, p.UID)
	pr := r.newPodRun(key, p)
	r.pods[key] = pr
	logf("starting pod %s (uid %s)", key, p.UID)
	go func(pod *corev1.Pod) {
		defer close(pr.done)
		r.launch(pr.ctx, pr, pod)
	}(p.DeepCopy())
	r.markDirty()
	return false, nil
}

// stopLocked stops a pod's containers in the background (r.mu held).
func (r *Runner) stopLocked(pr *podRun, reason string) {
	delete(r.pods, pr.key)
	logf("stopping pod %s (uid %s): %s", pr.key, pr.uid, reason)
	pr.cancel()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		<-pr.done
		r.teardown(pr, true)
		// pods held back by the cap may start now
		r.requeueWaiting()
	}()
}

// requeueWaiting queues the pods that wait for the cap.
func (r *Runner) requeueWaiting() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for key := range r.waiting {
		r.queue.Add(key)
	}
}

// stopAll stops every pod and waits (the pod runner is stopping).
func (r *Runner) stopAll() {
	logf("stopping all hollow-node processes")
	r.mu.Lock()
	for _, pr := range r.pods {
		r.stopLocked(pr, "pod runner stopping")
	}
	r.mu.Unlock()
	r.stopOnce.Do(func() { close(r.stopping) })
	r.wg.Wait()
	r.stopFakeCRIs()
	Cleanup(r.cfg.Dir)
	r.publish()
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "podrunner: "+format+"\n", args...)
}
