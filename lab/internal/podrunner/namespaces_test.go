package podrunner

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func inNamespace(p *corev1.Pod, ns string) *corev1.Pod {
	p.Namespace = ns
	return p
}

// A hollow-node pod (its command runs kubemark) in a namespace neither labelled by the
// extension nor listed by the lab gets one NotRun event saying what to do, and nothing runs;
// labelling the namespace starts it, removing the label stops it.
func TestReconcileRefusesHollowPodInUnlabelledNamespace(t *testing.T) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "elsewhere"}}
	r, cs, l := newTestRunner(t, 10, ns, inNamespace(hollowPod("hollow-node-0", "u0", corev1.PodRunning), "elsewhere"))
	mustReconcile(t, r, "elsewhere/hollow-node-0")
	mustReconcile(t, r, "elsewhere/hollow-node-0")
	eventually(t, "a NotRun event", func() bool { return len(eventsIn(t, cs, "elsewhere", "NotRun")) > 0 })
	evs := eventsIn(t, cs, "elsewhere", "NotRun")
	if len(evs) != 1 || evs[0].Type != corev1.EventTypeWarning {
		t.Fatalf("want one NotRun Warning, got %+v", evs)
	}
	for _, want := range []string{`namespace "elsewhere"`, "kubectl label namespace elsewhere kubemark-lab/hollow-nodes=run",
		"KUBEMARK_LAB_HOLLOW_NAMESPACES=kubemark,elsewhere", "lab.json hollowNamespaces"} {
		if !strings.Contains(evs[0].Message, want) {
			t.Errorf("NotRun message %q does not say %q", evs[0].Message, want)
		}
	}
	if n := l.count(l.started, "u0"); n != 0 || len(r.pods) != 0 {
		t.Fatalf("the pod was started (%d) in a namespace the lab does not run", n)
	}

	// The user's own label (no ownership claimed) lets it run.
	ns.Labels = map[string]string{AllowLabel: AllowValue}
	if _, err := cs.CoreV1().Namespaces().Update(context.Background(), ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustReconcile(t, r, "elsewhere/hollow-node-0")
	eventually(t, "the pod to start once its namespace carries the label", func() bool { return l.count(l.started, "u0") == 1 })

	ns.Labels = nil
	if _, err := cs.CoreV1().Namespaces().Update(context.Background(), ns, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	mustReconcile(t, r, "elsewhere/hollow-node-0")
	eventually(t, "the pod to stop once its namespace lost the label", func() bool { return l.count(l.ended, "u0") == 1 })
	eventually(t, "a second NotRun event", func() bool { return len(eventsIn(t, cs, "elsewhere", "NotRun")) == 2 })
}

// The namespaces the lab lists run without the label; a labelled namespace does too.
func TestReconcileRunsListedAndLabelledNamespaces(t *testing.T) {
	labelled := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "deployed", Labels: map[string]string{ManagedByLabel: ManagedByValue}}}
	r, cs, l := newTestRunner(t, 10, labelled,
		hollowPod("hollow-node-0", "u0", corev1.PodRunning), // namespace kubemark: listed, and no Namespace object needed
		inNamespace(hollowPod("hollow-node-1", "u1", corev1.PodRunning), "deployed"))
	mustReconcile(t, r, "kubemark/hollow-node-0")
	mustReconcile(t, r, "deployed/hollow-node-1")
	eventually(t, "both pods to start", func() bool { return l.count(l.started, "u0") == 1 && l.count(l.started, "u1") == 1 })
	if n := len(eventsIn(t, cs, "deployed", "NotRun")) + len(events(t, cs, "NotRun")); n != 0 {
		t.Errorf("%d NotRun events for pods the lab runs", n)
	}
}

func TestParseNamespaces(t *testing.T) {
	if got := ParseNamespaces(" kubemark, perf ,,"); strings.Join(got, "|") != "kubemark|perf" {
		t.Fatalf("got %q", got)
	}
}
