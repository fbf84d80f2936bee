package podrunner

// Events on the pods, posted as the kubelet would (kubectl describe pod).

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := r.cs.CoreV1().Events(p.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
			fmt.Fprintf(os.Stderr, "podrunner: %s/%s: event %s: %v\n", p.Namespace, p.Name, reason, err)
		}
	}()
}
