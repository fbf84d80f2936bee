package podrunner

// Container logs: stdout and stderr in the CRI log format in
// pods/<pod>/logs/<container>.log, served by KWOK through a Logs object
// (kwok.x-k8s.io/v1alpha1, owned by the pod), so pods/log of the workers
// apiserver returns the real kubemark lines.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var logsGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "logs"}

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
	if w.rootDir == "" {
		if d, ok := hollowRootDirLine(s); ok {
			w.rootDir = d
		}
	}
}

// rootDirLine is the klog line of kubemark's hollow_kubelet.go naming the
// kubelet's temporary root dir (klog.Infof("Using %s as root dir for
// hollow-kubelet")). Only that file's line counts: a flag value may hold the
// same words, and kubemark prints its flags (FLAG: --name="...") at -v=1.
var rootDirLine = regexp.MustCompile(`^I\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ hollow_kubelet\.go:\d+\] Using (\S+) as root dir for hollow-kubelet$`)

// hollowRootDirLine returns the root dir a hollow kubelet's log line names,
// when the line is kubemark's own and the dir one the cleanup may remove.
func hollowRootDirLine(s string) (string, bool) {
	m := rootDirLine.FindStringSubmatch(s)
	if m == nil || !isHollowRootDir(m[1]) {
		return "", false
	}
	return m[1], true
}

// isHollowRootDir says whether d is a hollow kubelet's temporary root dir on
// the host's /tmp: /tmp/hollow-kubelet.* in clean form, a directory and not a
// symlink. Only such a dir is removed when its container ends.
func isHollowRootDir(d string) bool {
	if filepath.Clean(d) != d || filepath.Dir(d) != "/tmp" || !strings.HasPrefix(filepath.Base(d), "hollow-kubelet.") {
		return false
	}
	fi, err := os.Lstat(d)
	return err == nil && fi.Mode().IsDir()
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

// ensureLogsCR tells KWOK which file to serve as each container's log.
func (r *Runner) ensureLogsCR(ctx context.Context, p *corev1.Pod, entries []any) {
	if r.dyn == nil {
		return
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Logs",
		"metadata": map[string]any{"name": p.Name, "namespace": p.Namespace,
			"labels":          map[string]any{"app.kubernetes.io/managed-by": "kubemark-lab-podrunner"},
			"ownerReferences": []any{map[string]any{"apiVersion": "v1", "kind": "Pod", "name": p.Name, "uid": string(p.UID)}}},
		"spec": map[string]any{"logs": entries},
	}}
	res := r.dyn.Resource(logsGVR).Namespace(p.Namespace)
	for i := 0; i < 20 && ctx.Err() == nil; i++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := res.Create(cctx, obj, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			old, gerr := res.Get(cctx, p.Name, metav1.GetOptions{})
			if gerr == nil {
				obj.SetResourceVersion(old.GetResourceVersion())
				_, err = res.Update(cctx, obj, metav1.UpdateOptions{})
			} else {
				err = gerr
			}
		}
		cancel()
		if err == nil {
			return
		}
		fmt.Fprintf(os.Stderr, "podrunner: %s/%s: Logs object: %v\n", p.Namespace, p.Name, err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// deleteLogsCR deletes the pod's Logs object, only if it is still this pod's
// (a StatefulSet may already have a new pod of that name).
func (r *Runner) deleteLogsCR(pr *podRun) {
	if r.dyn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res := r.dyn.Resource(logsGVR).Namespace(pr.ns)
	if obj, err := res.Get(ctx, pr.name, metav1.GetOptions{}); err == nil {
		refs := obj.GetOwnerReferences()
		if len(refs) == 1 && refs[0].UID == pr.uid {
			uid := obj.GetUID()
			_ = res.Delete(ctx, pr.name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		}
	}
}
