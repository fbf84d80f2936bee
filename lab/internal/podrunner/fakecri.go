package podrunner

// A node's container runtime socket. Upstream hollow-node manifests mount the
// node's /run/containerd and leave --use-host-image-service at true: the hollow
// kubelet then asks unix:///run/containerd/containerd.sock for images. The lab's
// nodes have no containerd, so for every node with such a pod the pod runner
// serves a fake CRI image and runtime service (k8s.io/kubernetes'
// pkg/kubelet/cri/remote/fake, `kubemark-lab fake-cri`) at
// nodes/<node>/run/containerd/containerd.sock, and each container of the pod sees
// that folder at its mount path (isolation.go).

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const containerdSocket = "/run/containerd/containerd.sock"

// isContainerdSocket reports whether a hostPath exposes the node's containerd socket.
func isContainerdSocket(hostPath string) bool {
	p := path.Clean("/" + hostPath)
	p = strings.TrimPrefix(p, "/var")
	return p == "/run" || p == "/run/containerd" || p == containerdSocket
}

type fakeCRIs struct {
	mu    sync.Mutex
	procs map[string]*criProc // node -> process
}

type criProc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process exited
}

func (c *criProc) running() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// ensureFakeCRI starts the fake CRI of node unless it serves already.
func (r *Runner) ensureFakeCRI(node string) (string, error) {
	sock := r.nodePath(node, containerdSocket)
	if len(sock) > 107 {
		return "", fmt.Errorf("the fake containerd socket path %s is longer than a unix socket path may be (107 bytes): use a shorter KUBEMARK_LAB_DIR", sock)
	}
	r.cris.mu.Lock()
	defer r.cris.mu.Unlock()
	if r.cris.procs == nil {
		r.cris.procs = map[string]*criProc{}
	}
	if c, ok := r.cris.procs[node]; ok && c.running() && dialable(sock) {
		return sock, nil
	}
	if err := os.MkdirAll(filepath.Dir(sock), 0o755); err != nil {
		return "", err
	}
	_ = os.Remove(sock)
	logf, err := os.OpenFile(filepath.Join(r.cfg.Dir, "logs", "fake-cri-"+node+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return "", err
	}
	defer logf.Close()
	cmd := exec.Command(r.cfg.Kubemark, "fake-cri", "--endpoint=unix://"+sock)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", r.cfg.Marker + "=" + r.cfg.Dir, FakeCRIMarkerEnv + "=" + node}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := spawn(cmd); err != nil {
		return "", fmt.Errorf("starting the fake CRI of node %s: %v", node, err)
	}
	cp := &criProc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(cp.done) }()
	r.cris.procs[node] = cp
	deadline := time.Now().Add(15 * time.Second)
	for !dialable(sock) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return "", fmt.Errorf("the fake CRI of node %s does not serve %s after 15 s (see %s)", node, sock, logf.Name())
		}
		time.Sleep(50 * time.Millisecond)
	}
	logf.WriteString(fmt.Sprintf("kubemark-lab: fake CRI of node %s serving unix://%s (pid %d)\n", node, sock, cmd.Process.Pid))
	return sock, nil
}

// stopFakeCRIs stops every fake CRI (the pod runner is stopping).
func (r *Runner) stopFakeCRIs() {
	r.cris.mu.Lock()
	defer r.cris.mu.Unlock()
	for node, c := range r.cris.procs {
		if c.running() { // an ended one's pid (and group) may be another process's by now
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		}
		_ = os.Remove(r.nodePath(node, containerdSocket))
		delete(r.cris.procs, node)
	}
}

func dialable(sock string) bool {
	c, err := net.DialTimeout("unix", sock, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
