package podrunner

// Pod status: KWOK marks a hollow-node pod Running once; after that the pod
// runner reports what really happened, as a kubelet does: each init
// container's state with its exit code, and each container's restarts with
// the last termination.

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
)

func terminated(cs *ctrState) *corev1.ContainerStateTerminated {
	reason := "Completed"
	if cs.exitCode != 0 {
		reason = "Error"
	}
	msg := ""
	if cs.lastError == "not run by the lab" {
		reason, msg = "NotRunByLab", "kubemark-lab runs only `sysctl -w` init containers"
	}
	return &corev1.ContainerStateTerminated{ExitCode: int32(cs.exitCode), Reason: reason, Message: msg,
		StartedAt: metav1.NewTime(cs.started), FinishedAt: metav1.NewTime(cs.finished)}
}

// updatePodStatus applies mutate to the live pod's status (retrying conflicts).
func (r *Runner) updatePodStatus(pr *podRun, mutate func(st *corev1.PodStatus)) {
	ctx, cancel := context.WithTimeout(pr.ctx, 10*time.Second)
	defer cancel()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := r.cs.CoreV1().Pods(pr.ns).Get(ctx, pr.name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.UID != pr.uid {
			return nil
		}
		mutate(&p.Status)
		_, err = r.cs.CoreV1().Pods(pr.ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil && pr.ctx.Err() == nil {
		logf("%s: status: %v", pr.key, err)
	}
}

// reportInitStatus writes the init containers' states into the pod status.
func (r *Runner) reportInitStatus(pr *podRun, p *corev1.Pod) {
	pr.mu.Lock()
	states := map[string]corev1.ContainerStatus{}
	for _, c := range p.Spec.InitContainers {
		cs := pr.ctrs[c.Name]
		st := corev1.ContainerStatus{Name: c.Name, Image: c.Image}
		switch {
		case cs == nil:
			st.State.Waiting = &corev1.ContainerStateWaiting{Reason: "PodInitializing"}
		case cs.running:
			st.State.Running = &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(cs.started)}
			st.RestartCount = int32(cs.restarts)
		default:
			st.State.Terminated = terminated(cs)
			st.RestartCount = int32(cs.restarts)
			st.Ready = cs.exitCode == 0
		}
		states[c.Name] = st
	}
	pr.mu.Unlock()
	r.updatePodStatus(pr, func(s *corev1.PodStatus) {
		var out []corev1.ContainerStatus
		for _, c := range p.Spec.InitContainers {
			st := states[c.Name]
			for _, old := range s.InitContainerStatuses {
				if old.Name == c.Name {
					st.ImageID, st.ContainerID = old.ImageID, old.ContainerID
				}
			}
			out = append(out, st)
		}
		s.InitContainerStatuses = out
	})
}

// reportContainerStatus records a container's restart and last exit in the pod status.
func (r *Runner) reportContainerStatus(pr *podRun, p *corev1.Pod, cs *ctrState) {
	pr.mu.Lock()
	restarts, last := int32(cs.restarts), terminated(cs)
	pr.mu.Unlock()
	r.updatePodStatus(pr, func(s *corev1.PodStatus) {
		for i := range s.ContainerStatuses {
			if s.ContainerStatuses[i].Name == cs.name {
				s.ContainerStatuses[i].RestartCount = restarts
				s.ContainerStatuses[i].LastTerminationState = corev1.ContainerState{Terminated: last}
			}
		}
	})
}
