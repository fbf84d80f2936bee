package podrunner

// The container run loop: prepare (env, volumes, command line), start, wait,
// restart with back-off (2 s doubling to 1 min), like a kubelet with
// restartPolicy Always.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func (r *Runner) runContainer(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container, cs *ctrState) {
	backoff := 2 * time.Second
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			// like the kubelet: the new container gets a new log; the last one stays as --previous
			_ = os.Rename(cs.logFile, strings.TrimSuffix(cs.logFile, ".log")+".previous.log")
		}
		started := time.Now()
		code, err := r.runOnce(ctx, pr, p, c, cs)
		ran := time.Since(started)
		var refused *notRunError
		if errors.As(err, &refused) {
			// refused for good: the pod's spec cannot change; nothing is restarted
			pr.mu.Lock()
			cs.running, cs.pid, cs.finished, cs.lastError, cs.exited, cs.exitCode = false, 0, time.Now(), refused.msg, true, 128
			pr.mu.Unlock()
			r.notRun(pr, p, c.Name, refused.msg)
			r.markDirty()
			return
		}
		pr.mu.Lock()
		cs.running, cs.pid, cs.finished = false, 0, time.Now()
		if err != nil {
			// Not started (refused, a missing file...): as the kubelet reports a StartError.
			cs.lastError = err.Error()
			cs.exited, cs.exitCode = true, 128
		} else {
			cs.exited, cs.exitCode = true, code
			cs.lastError = fmt.Sprintf("exited with code %d", code)
		}
		pr.mu.Unlock()
		r.markDirty()
		if ctx.Err() != nil {
			return
		}
		msg := fmt.Sprintf("kubemark-lab: container %q exited with code %d after %s", c.Name, code, ran.Round(time.Millisecond))
		if err != nil {
			msg = "kubemark-lab: " + err.Error()
			r.event(p, c.Name, corev1.EventTypeWarning, "Failed", "Error: "+err.Error())
		}
		appendLogLine(cs.logFile, "stderr", msg)
		if ran > 2*time.Minute {
			backoff = 2 * time.Second
		}
		r.event(p, c.Name, corev1.EventTypeWarning, "BackOff", fmt.Sprintf("Back-off %s restarting failed container %s in pod %s (%s)", backoff, c.Name, p.Name, cs.lastError))
		pr.mu.Lock()
		cs.restarts++
		pr.mu.Unlock()
		r.reportContainerStatus(pr, p, cs)
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

func appendLogLine(file, stream, s string) {
	if f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
		writeCRILine(f, stream, s)
		f.Close()
	}
}

// prepare resolves what a container start needs; errors are the kubelet's
// CreateContainerConfigError / RunContainerError.
func (r *Runner) prepare(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container) ([]envVar, []mount, error) {
	env, err := r.resolveEnv(ctx, p, c)
	if err != nil {
		return nil, nil, err
	}
	pr.volMu.Lock()
	defer pr.volMu.Unlock()
	mounts, err := r.materializeVolumes(ctx, pr, p, c)
	if err != nil {
		return nil, nil, err
	}
	for _, m := range mounts {
		if m.hostPathVolume && isContainerdSocket(m.nodePath) {
			if _, err := r.ensureFakeCRI(p.Spec.NodeName); err != nil {
				return nil, nil, fmt.Errorf("RunContainerError: the node's containerd socket: %v", err)
			}
		}
	}
	return env, mounts, nil
}

// command wraps kubemark's command line in the isolation helper (as root).
func (r *Runner) command(pr *podRun, mounts []mount, kubemark []string) []string {
	if !r.mountNS && pr.netnsFile == "" {
		return kubemark
	}
	argv := []string{r.cfg.Self, "container"}
	if pr.netnsFile != "" {
		argv = append(argv, "--netns="+pr.netnsFile)
	}
	if r.mountNS {
		argv = append(argv, "--detach="+r.netnsDir, "--run-tmpfs", "--tmp="+filepath.Join(pr.dir, "tmp"),
			"--hosts="+filepath.Join(pr.dir, "hosts"), "--resolv="+filepath.Join(pr.dir, "resolv.conf"))
		for _, k := range []string{r.cfg.Dir, filepath.Dir(r.cfg.Kubemark), filepath.Dir(r.cfg.Self)} {
			if strings.HasPrefix(k, "/tmp/") {
				argv = append(argv, "--keep="+k)
			}
		}
		for i := len(mounts) - 1; i >= 0; i-- { // parents first
			m := mounts[i]
			if cp := strings.TrimPrefix(filepath.Clean(m.containerPath), "/var"); cp == "/run" || strings.HasPrefix(cp, "/run/") {
				argv = append(argv, "--bind-from="+m.hostPath, "--bind-to="+cp) // a path may hold "="
			}
		}
	}
	return append(append(argv, "--"), kubemark...)
}

func (r *Runner) runOnce(ctx context.Context, pr *podRun, p *corev1.Pod, c *corev1.Container, cs *ctrState) (int, error) {
	// Fresh view of the pod (status.podIP etc.) like a kubelet at container start.
	if fresh, err := r.cs.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); err == nil && fresh.UID == p.UID {
		p = fresh
	}
	env, mounts, err := r.prepare(ctx, pr, p, c)
	if err != nil {
		return -1, err
	}
	l, err := containerLaunch(c, env, mounts)
	if err != nil {
		return -1, err
	}
	l.args = defaultHostPaths(l.args, mounts, filepath.Join(pr.dir, "rootfs"))
	kubemark := append([]string{r.cfg.Kubemark, "kubemark"}, l.args...)
	if pr.port > 0 {
		// port rewriting: this pod's own kubelet port overrides what it asked for
		kubemark = append(kubemark, fmt.Sprintf("--kubelet-port=%d", pr.port), "--kubelet-read-only-port=0")
	}
	argv := r.command(pr, mounts, kubemark)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = r.processEnv(pr, p, c.Name, env)
	cmd.Dir = filepath.Join(pr.dir, "rootfs")
	if c.WorkingDir != "" {
		if wd := rewritePaths(c.WorkingDir, mounts); wd != c.WorkingDir {
			cmd.Dir = wd
		}
	}
	if err := r.confineLaunch(pr, p, c, l, cmd.Dir); err != nil {
		return -1, err
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if r.mountNS {
		cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
	}
	logf2, err := os.OpenFile(cs.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return -1, err
	}
	defer logf2.Close()
	lw := &criWriter{f: logf2}
	pumps, closeFiles, err := wireOutput(cmd, l.redirects, lw, r.cfg.Dir)
	if err != nil {
		return -1, fmt.Errorf("RunContainerError: %v", err)
	}
	// on the one thread every child's Pdeathsig is tied to (spawn.go)
	err = spawn(cmd)
	closeFiles() // the child has its own copies; the pumps end when it closes them
	if err != nil {
		pumps.Wait()
		return -1, fmt.Errorf("failed to start container %q: %v", c.Name, err)
	}
	pr.mu.Lock()
	cs.pid, cs.running, cs.argv, cs.lastError, cs.started, cs.exited = cmd.Process.Pid, true, argv, "", time.Now(), false
	pr.mu.Unlock()
	r.markDirty()
	where := fmt.Sprintf("kubelet port %d", pr.port)
	if pr.netnsFile != "" {
		where = "own network namespace, IP " + pr.ip
	}
	r.event(p, c.Name, corev1.EventTypeNormal, "Started", fmt.Sprintf("Started container %s (kubemark-lab pod runner: pid %d, %s)", c.Name, cmd.Process.Pid, where))
	exited := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			killGroup(cmd.Process.Pid, time.Duration(pr.graceSecs)*time.Second, exited)
		case <-exited:
		}
	}()
	pumps.Wait()
	err = cmd.Wait()
	close(exited)
	// nothing of the container's process group survives it
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if !r.mountNS {
		cleanupSharedTmp(lw.rootDir)
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

// wireOutput connects the container's stdout and stderr to its CRI log, or to
// the files its shell-form redirections name.
func wireOutput(cmd *exec.Cmd, redirects []redirect, lw *criWriter, labDir string) (*sync.WaitGroup, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	target := map[int]any{1: "stdout", 2: "stderr"}
	for _, rd := range redirects {
		if rd.file == "" {
			target[rd.fd] = target[rd.toFd]
			continue
		}
		// The runner opens the file as root on the host: only inside the lab's folder (the pod's
		// mounts and the node's folders), never a path such as /etc/passwd left unrewritten.
		if !insideDir(rd.file, labDir) {
			closeAll()
			return nil, nil, fmt.Errorf("output redirected to %s, outside the pod's volumes: the lab writes a container's files only inside its mounts", rd.file)
		}
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		if rd.append {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		_ = os.MkdirAll(filepath.Dir(rd.file), 0o755)
		f, err := os.OpenFile(rd.file, flags, 0o644)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		target[rd.fd] = f
	}
	var wg sync.WaitGroup
	pipes := map[string]io.Writer{}
	out := func(t any) (io.Writer, error) {
		if f, ok := t.(*os.File); ok {
			return f, nil
		}
		stream := t.(string)
		if w, ok := pipes[stream]; ok {
			return w, nil
		}
		pr, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		files = append(files, pw)
		wg.Add(1)
		go func() { lw.pump(stream, pr, &wg); pr.Close() }()
		pipes[stream] = pw
		return pw, nil
	}
	var err error
	if cmd.Stdout, err = out(target[1]); err == nil {
		cmd.Stderr, err = out(target[2])
	}
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return &wg, closeAll, nil
}

// cleanupSharedTmp cleans up after a hollow kubelet that shared the host's /tmp.
func cleanupSharedTmp(rootDir string) {
	if rootDir != "" && isHollowRootDir(rootDir) { // checked again: it may have changed since
		_ = os.RemoveAll(rootDir)
	}
	files, _ := filepath.Glob("/tmp/kubelet_remote_*.sock")
	for _, f := range files {
		if !dialable(f) {
			_ = os.Remove(f)
		}
	}
}

// insideDir says whether p, cleaned and with symlinks of its existing parents resolved, lies
// under dir.
func insideDir(p, dir string) bool {
	if dir == "" || !filepath.IsAbs(p) {
		return false
	}
	clean := filepath.Clean(p)
	if parent, err := filepath.EvalSymlinks(filepath.Dir(clean)); err == nil {
		clean = filepath.Join(parent, filepath.Base(clean))
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		root = filepath.Clean(dir)
	}
	rel, err := filepath.Rel(root, clean)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}
