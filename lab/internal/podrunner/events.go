package podrunner

// Events on the pods, posted as the kubelet would (kubectl describe pod).

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// eventAttempts and eventBackoff: an Event that the apiserver does not take (a timeout under
// load, a restart) is posted again, 1 s, 2 s and 4 s later, so that a NotRun or a BackOff is not
// lost for good (the pod is told only once). The pod runner stopping ends the retries.
var (
	eventAttempts = 4
	eventBackoff  = time.Second
)

var eventSeq atomic.Int64

// eventFieldPath is the fieldPath of an Event about a container ("" for the pod).
func eventFieldPath(p *corev1.Pod, container string) string {
	if container == "" {
		return ""
	}
	for _, c := range p.Spec.InitContainers {
		if c.Name == container {
			return fmt.Sprintf("spec.initContainers{%s}", container)
		}
	}
	return fmt.Sprintf("spec.containers{%s}", container)
}

// event posts an Event about pod p (container "" for the pod itself).
func (r *Runner) event(p *corev1.Pod, container, typ, reason, msg string) {
	now := metav1.Now()
	ev := &corev1.Event{
		// named as the kubelet's recorder names them: <pod>.<hex time>
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", p.Name, now.UnixNano()+eventSeq.Add(1)), Namespace: p.Namespace},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID, APIVersion: "v1",
			FieldPath: eventFieldPath(p, container)},
		Reason: reason, Message: msg, Type: typ, FirstTimestamp: now, LastTimestamp: now, Count: 1,
		Source: corev1.EventSource{Component: "kubemark-lab-podrunner", Host: p.Spec.NodeName},
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		wait := eventBackoff
		for attempt := 1; ; attempt++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err := r.cs.CoreV1().Events(p.Namespace).Create(ctx, ev, metav1.CreateOptions{})
			cancel()
			if err == nil || apierrors.IsAlreadyExists(err) {
				return
			}
			if attempt >= eventAttempts {
				fmt.Fprintf(os.Stderr, "podrunner: %s/%s: event %s: %v (gave up after %d attempts)\n", p.Namespace, p.Name, reason, err, attempt)
				return
			}
			fmt.Fprintf(os.Stderr, "podrunner: %s/%s: event %s: %v (again in %s)\n", p.Namespace, p.Name, reason, err, wait)
			select {
			case <-r.stopping:
				return
			case <-time.After(wait):
			}
			wait *= 2
		}
	}()
}
