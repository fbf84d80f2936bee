package main

// Network namespace per hollow-node pod (when the pod runner runs as root).
//
// Each pod gets a "sandbox" process started in a new network namespace (like a
// pod's pause container); the pod's containers join it with nsenter, so each
// hollow kubelet listens on its own 10250/10255 exactly as the pod asked, and
// nothing of a pod listens on the host. Inside the namespace only loopback
// exists; the sandbox listens on 127.0.0.1:<port> for each apiserver port of the
// lab and forwards every connection through a unix socket (unix sockets work
// across network namespaces) to the pod runner, which connects to the real
// 127.0.0.1:<port> on the host. So the masters kubeconfig of the hollow-node
// Secret (server https://127.0.0.1:<masters port>) works from inside the pod,
// and any other address fails as it would.

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// cmdSandbox runs inside the new network namespace.
func cmdSandbox(args []string) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	var forwards multiFlag
	fs.Var(&forwards, "forward", "PORT=/path/to/unix.sock: listen on 127.0.0.1:PORT and forward to the unix socket (repeatable)")
	if err := fs.Parse(args); err != nil {
		return exitErr{2, err.Error()}
	}
	if err := loopbackUp(); err != nil {
		return fmt.Errorf("bringing up lo: %w", err)
	}
	for _, f := range forwards {
		port, sock, ok := strings.Cut(f, "=")
		if !ok {
			return exitErr{2, "bad --forward " + f}
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+port)
		if err != nil {
			return err
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					u, err := net.DialTimeout("unix", sock, 5*time.Second)
					if err != nil {
						c.Close()
						return
					}
					pipe(c, u)
				}()
			}
		}()
	}
	fmt.Println("ready")
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	<-ctx.Done()
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func pipe(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(2)
	cp := func(dst, src net.Conn) {
		defer wg.Done()
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			dst.Close()
		}
	}
	go cp(a, b)
	go cp(b, a)
	wg.Wait()
	a.Close()
	b.Close()
}

// loopbackUp sets IFF_UP on lo (a new network namespace starts with lo down).
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var ifr [40]byte
	copy(ifr[:], "lo")
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	flags := *(*uint16)(unsafe.Pointer(&ifr[16]))
	flags |= syscall.IFF_UP | syscall.IFF_RUNNING
	*(*uint16)(unsafe.Pointer(&ifr[16])) = flags
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); e != 0 {
		return e
	}
	return nil
}

// netForwarder is the host side: unix socket -> 127.0.0.1:port.
type netForwarder struct {
	socks map[int]string // port -> unix socket path
}

func startForwarder(dir string, ports []int) (*netForwarder, error) {
	f := &netForwarder{socks: map[int]string{}}
	for _, port := range ports {
		sock := filepath.Join(dir, fmt.Sprintf("fwd-%d.sock", port))
		_ = os.Remove(sock)
		ln, err := net.Listen("unix", sock)
		if err != nil {
			return nil, err
		}
		f.socks[port] = sock
		go func(port int) {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go func() {
					t, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 5*time.Second)
					if err != nil {
						c.Close()
						return
					}
					pipe(c, t)
				}()
			}
		}(port)
	}
	return f, nil
}

// startSandbox starts the pod's sandbox process in a new network namespace and
// waits until it listens.
func (r *runner) startSandbox(pr *podRun) (int, error) {
	args := []string{"sandbox"}
	for port, sock := range r.fwd.socks {
		args = append(args, "--forward", fmt.Sprintf("%d=%s", port, sock))
	}
	self, _ := os.Executable()
	cmd := exec.Command(self, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", markerEnv + "=" + r.dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Cloneflags: syscall.CLONE_NEWNET}
	logf, err := os.OpenFile(filepath.Join(pr.dir, "sandbox.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { _ = cmd.Wait() }()
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && strings.TrimSpace(line) != "ready" {
			err = fmt.Errorf("unexpected %q", line)
		}
		ready <- err
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case err := <-ready:
		if err != nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			return 0, fmt.Errorf("sandbox: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		return 0, fmt.Errorf("sandbox not ready after 10s")
	}
	return cmd.Process.Pid, nil
}

// canNetns reports whether pods can get network namespaces of their own.
func canNetns() bool {
	if os.Geteuid() != 0 || os.Getenv("KUBEMARK_LAB_NO_NETNS") == "1" {
		return false
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		return false
	}
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	return cmd.Run() == nil
}
