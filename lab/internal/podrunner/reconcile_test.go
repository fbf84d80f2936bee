package podrunner

// The controller's reconcile paths against a fake clientset: what starts,
// what stops, what is refused, the cap, and what is reported on the pod.

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

type launches struct {
	mu      sync.Mutex
	started map[types.UID]int
	ended   map[types.UID]int
}

func (l *launches) count(m map[types.UID]int, uid types.UID) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return m[uid]
}

func newTestRunner(t *testing.T, maxPods int, objs ...runtime.Object) (*Runner, *fake.Clientset, *launches) {
	t.Helper()
	cs := fake.NewClientset(objs...)
	dir := t.TempDir()
	r := New(Config{Dir: dir, MaxPods: maxPods, Marker: "KUBEMARK_LAB_ID", HollowNamespaces: DefaultHollowNamespaces}, cs, nil)
	r.getNamespace = func(name string) (*corev1.Namespace, error) {
		o, err := cs.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return o, err
	}
	r.getPod = func(key string) (*corev1.Pod, error) {
		ns, name, _ := strings.Cut(key, "/")
		p, err := cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return p, err
	}
	l := &launches{started: map[types.UID]int{}, ended: map[types.UID]int{}}
	r.launch = func(ctx context.Context, pr *podRun, p *corev1.Pod) {
		l.mu.Lock()
		l.started[p.UID]++
		l.mu.Unlock()
		<-ctx.Done()
		l.mu.Lock()
		l.ended[p.UID]++
		l.mu.Unlock()
	}
	t.Cleanup(func() { r.queue.ShutDown(); r.stopAll() })
	return r, cs, l
}

func hollowPod(name, uid string, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kubemark", UID: types.UID(uid)},
		Spec: corev1.PodSpec{NodeName: "kwok-worker-0", Containers: []corev1.Container{
			{Name: "hollow-kubelet", Command: []string{"/kubemark"}, Args: []string{"--morph=kubelet"}},
		}},
		Status: corev1.PodStatus{Phase: phase},
	}
}

func mustReconcile(t *testing.T, r *Runner, key string) bool {
	t.Helper()
	requeue, err := r.reconcile(key)
	if err != nil {
		t.Fatalf("reconcile %s: %v", key, err)
	}
	return requeue
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func events(t *testing.T, cs *fake.Clientset, reason string) []corev1.Event {
	t.Helper()
	return eventsIn(t, cs, "kubemark", reason)
}

func eventsIn(t *testing.T, cs *fake.Clientset, ns, reason string) []corev1.Event {
	t.Helper()
	list, err := cs.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Event
	for _, e := range list.Items {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

func TestReconcileStartsRunningHollowPodOnce(t *testing.T) {
	r, _, l := newTestRunner(t, 10, hollowPod("hollow-node-0", "u0", corev1.PodRunning), hollowPod("hollow-node-1", "u1", corev1.PodPending))
	mustReconcile(t, r, "kubemark/hollow-node-0")
	mustReconcile(t, r, "kubemark/hollow-node-0")
	mustReconcile(t, r, "kubemark/hollow-node-1")
	eventually(t, "the Running pod to start", func() bool { return l.count(l.started, "u0") == 1 })
	if n := l.count(l.started, "u1"); n != 0 {
		t.Errorf("a Pending pod was started %d times", n)
	}
	if n := l.count(l.started, "u0"); n != 1 {
		t.Errorf("started %d times, want once", n)
	}
}

func TestReconcileStopsDeletedAndReplacedPods(t *testing.T) {
	r, cs, l := newTestRunner(t, 10, hollowPod("hollow-node-0", "old", corev1.PodRunning), hollowPod("hollow-node-1", "u1", corev1.PodRunning))
	ctx := context.Background()
	mustReconcile(t, r, "kubemark/hollow-node-0")
	mustReconcile(t, r, "kubemark/hollow-node-1")
	eventually(t, "both pods to start", func() bool { return l.count(l.started, "old") == 1 && l.count(l.started, "u1") == 1 })

	// a StatefulSet replaced hollow-node-0: same name, new UID
	if err := cs.CoreV1().Pods("kubemark").Delete(ctx, "hollow-node-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("kubemark").Create(ctx, hollowPod("hollow-node-0", "new", corev1.PodRunning), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustReconcile(t, r, "kubemark/hollow-node-0")
	eventually(t, "the old pod to stop and the new one to start", func() bool {
		return l.count(l.ended, "old") == 1 && l.count(l.started, "new") == 1
	})

	// hollow-node-1 deleted
	if err := cs.CoreV1().Pods("kubemark").Delete(ctx, "hollow-node-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustReconcile(t, r, "kubemark/hollow-node-1")
	eventually(t, "the deleted pod to stop", func() bool { return l.count(l.ended, "u1") == 1 })
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.pods) != 1 || r.pods["kubemark/hollow-node-0"].uid != "new" {
		t.Errorf("running pods: %v", r.pods)
	}
}

func TestReconcileStopsTerminatingPod(t *testing.T) {
	p := hollowPod("hollow-node-0", "u0", corev1.PodRunning)
	r, cs, l := newTestRunner(t, 10, p)
	mustReconcile(t, r, "kubemark/hollow-node-0")
	eventually(t, "start", func() bool { return l.count(l.started, "u0") == 1 })
	now := metav1.Now()
	p.DeletionTimestamp = &now
	if _, err := cs.CoreV1().Pods("kubemark").Update(context.Background(), p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustReconcile(t, r, "kubemark/hollow-node-0")
	eventually(t, "the terminating pod to stop", func() bool { return l.count(l.ended, "u0") == 1 })
}

func TestReconcileRefusesOtherPods(t *testing.T) {
	p := hollowPod("web", "w", corev1.PodRunning)
	p.Spec.Containers = []corev1.Container{{Name: "nginx", Image: "nginx", Command: []string{"/bin/sh", "-c", "rm -rf /"}}}
	r, cs, l := newTestRunner(t, 10, p)
	mustReconcile(t, r, "kubemark/web")
	mustReconcile(t, r, "kubemark/web")
	eventually(t, "one NotRun event", func() bool { return len(events(t, cs, "NotRun")) == 1 })
	ev := events(t, cs, "NotRun")[0]
	if !strings.Contains(ev.Message, "runs only hollow-node pods") || ev.Type != corev1.EventTypeWarning || ev.InvolvedObject.UID != "w" {
		t.Errorf("event: %+v", ev)
	}
	if n := l.count(l.started, "w"); n != 0 {
		t.Errorf("a non-hollow pod was started")
	}
}

func TestReconcileCapHoldsPodsBackUntilOneStops(t *testing.T) {
	r, cs, l := newTestRunner(t, 1, hollowPod("hollow-node-0", "u0", corev1.PodRunning), hollowPod("hollow-node-1", "u1", corev1.PodRunning))
	mustReconcile(t, r, "kubemark/hollow-node-0")
	if !mustReconcile(t, r, "kubemark/hollow-node-1") {
		t.Error("a pod over the cap should be requeued")
	}
	eventually(t, "a LabLimit event", func() bool { return len(events(t, cs, "LabLimit")) == 1 })
	if l.count(l.started, "u1") != 0 {
		t.Fatal("a pod over the cap was started")
	}
	if err := cs.CoreV1().Pods("kubemark").Delete(context.Background(), "hollow-node-0", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	mustReconcile(t, r, "kubemark/hollow-node-0")
	// the stop queues the waiting pod again
	eventually(t, "the waiting pod to be queued", func() bool { return r.queue.Len() > 0 })
	key, _ := r.queue.Get()
	if key != "kubemark/hollow-node-1" {
		t.Fatalf("queued %q", key)
	}
	mustReconcile(t, r, key)
	r.queue.Done(key)
	eventually(t, "the waiting pod to start", func() bool { return l.count(l.started, "u1") == 1 })
}

func TestNotRunEventPostedAgainWhenTheApiserverRefusesIt(t *testing.T) {
	old := eventBackoff
	eventBackoff = 10 * time.Millisecond
	defer func() { eventBackoff = old }()
	p := hollowPod("web", "w", corev1.PodRunning)
	p.Spec.Containers = []corev1.Container{{Name: "nginx", Image: "nginx"}}
	r, cs, _ := newTestRunner(t, 10, p)
	var refused atomic.Int32
	cs.PrependReactor("create", "events", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if refused.Add(1) <= 2 {
			return true, nil, apierrors.NewServerTimeout(corev1.Resource("events"), "create", 1)
		}
		return false, nil, nil
	})
	mustReconcile(t, r, "kubemark/web")
	eventually(t, "the NotRun event after two refusals", func() bool { return len(events(t, cs, "NotRun")) == 1 })
	if n := refused.Load(); n != 3 {
		t.Errorf("create attempts: %d, want 3", n)
	}
}

func TestProjectedServiceAccountToken(t *testing.T) {
	p := hollowPod("hollow-node-0", "u0", corev1.PodRunning)
	p.Spec.ServiceAccountName = "kubemark"
	r, cs, _ := newTestRunner(t, 10, p)
	var got *authenticationv1.TokenRequest
	cs.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ca := a.(k8stesting.CreateAction)
		if ca.GetSubresource() != "token" {
			return false, nil, nil
		}
		got = ca.GetObject().(*authenticationv1.TokenRequest).DeepCopy()
		out := got.DeepCopy()
		out.Status.Token = "tok-123"
		return true, out, nil
	})
	exp := int64(3600)
	vol := &corev1.Volume{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
		{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &exp, Audience: "api"}},
	}}}}
	pr := r.newPodRun("kubemark/hollow-node-0", p)
	dir, err := r.materializeVolume(context.Background(), pr, p, vol)
	if err != nil {
		t.Fatal(err)
	}
	b, err := readFile(filepath.Join(dir, "token"))
	if err != nil || b != "tok-123" {
		t.Fatalf("token file: %q %v", b, err)
	}
	if got == nil || got.Spec.BoundObjectRef == nil || got.Spec.BoundObjectRef.UID != "u0" || got.Spec.Audiences[0] != "api" || *got.Spec.ExpirationSeconds != 3600 {
		t.Errorf("TokenRequest: %+v", got)
	}
}

func TestInitContainerStatusReported(t *testing.T) {
	p := hollowPod("hollow-node-0", "u0", corev1.PodRunning)
	p.Spec.InitContainers = []corev1.Container{
		{Name: "init-inotify-limit", Image: "busybox", Command: []string{"sysctl", "-w", "fs.inotify.max_user_instances=1"}},
		{Name: "chown", Image: "busybox", Command: []string{"chown", "-R", "1000", "/data"}},
	}
	r, cs, _ := newTestRunner(t, 10, p)
	pr := r.newPodRun("kubemark/hollow-node-0", p)
	if err := mkdirs(pr.dir, "logs"); err != nil {
		t.Fatal(err)
	}
	if !r.runInitContainers(context.Background(), pr, p) {
		t.Fatal("init containers did not complete")
	}
	got, err := cs.CoreV1().Pods("kubemark").Get(context.Background(), "hollow-node-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Status.InitContainerStatuses) != 2 {
		t.Fatalf("init statuses: %+v", got.Status.InitContainerStatuses)
	}
	first, second := got.Status.InitContainerStatuses[0], got.Status.InitContainerStatuses[1]
	if first.State.Terminated == nil || first.State.Terminated.ExitCode != 0 || first.State.Terminated.Reason != "Completed" {
		t.Errorf("sysctl init container: %+v", first.State)
	}
	if second.State.Terminated == nil || second.State.Terminated.Reason != "NotRunByLab" {
		t.Errorf("chown init container: %+v", second.State)
	}
	log, _ := readFile(filepath.Join(pr.dir, "logs", "init-inotify-limit.log"))
	if !strings.Contains(log, "fs.inotify.max_user_instances = 1") {
		t.Errorf("init log: %q", log)
	}
	eventually(t, "a NotRun event for the chown init container", func() bool {
		ev := events(t, cs, "NotRun")
		return len(ev) == 1 && ev[0].InvolvedObject.FieldPath == "spec.initContainers{chown}"
	})
}
