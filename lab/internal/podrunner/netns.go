package podrunner

// A network namespace per pod (as root), pinned by a bind mount at
// netns/<pod uid> (like `ip netns`), so it outlives any process and a restarted
// pod runner finds it again. Inside: lo, and a veth pair whose eth0 carries the
// pod's IP with the default route, so the hollow kubelet finds its node IP as
// on a real node; the Node's InternalIP is that address. Packets to anywhere
// else go into the veth pair and are dropped: nothing leaves the namespace.
// The lab's apiserver ports are reachable on 127.0.0.1 inside: the pod runner
// listens there (a socket created in the namespace) and forwards each
// connection to the same port on the host.

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// podAddress is the pod's IP (KWOK's), else a stable address from 198.18.0.0/15
// (the benchmarking range).
func podAddress(podIP, uid string) net.IP {
	if ip := net.ParseIP(podIP).To4(); ip != nil {
		return ip
	}
	h := fnv.New32a()
	h.Write([]byte(uid))
	n := h.Sum32()
	return net.IPv4(198, 18+byte(n>>16)&1, byte(n>>8), byte(n)|1).To4()
}

// isNetnsPin reports whether file is a mounted network namespace.
func isNetnsPin(file string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(file, &st); err != nil {
		return false
	}
	return st.Type == unix.NSFS_MAGIC
}

// ensureNetns creates (or finds) the pinned network namespace of a pod and
// configures its interfaces.
func ensureNetns(file string, addr net.IP) error {
	if !isNetnsPin(file) {
		if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			return err
		}
		errc := make(chan error, 1)
		go func() {
			// This thread enters the new namespace and is never unlocked: Go ends
			// it with the goroutine, so no other goroutine ever runs there.
			runtime.LockOSThread()
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				errc <- fmt.Errorf("unshare(CLONE_NEWNET): %v", err)
				return
			}
			errc <- unix.Mount("/proc/thread-self/ns/net", file, "", unix.MS_BIND, "")
		}()
		if err := <-errc; err != nil {
			_ = os.Remove(file)
			return fmt.Errorf("pinning a network namespace at %s: %v", file, err)
		}
	}
	return configureNetns(file, addr)
}

func configureNetns(file string, addr net.IP) error {
	ns, err := netns.GetFromPath(file)
	if err != nil {
		return err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return err
	}
	if err := h.LinkSetUp(lo); err != nil {
		return fmt.Errorf("lo up: %v", err)
	}
	eth, err := h.LinkByName("eth0")
	if err != nil {
		veth := &netlink.Veth{LinkAttrs: netlink.LinkAttrs{Name: "eth0"}, PeerName: "lab-peer"}
		if err := h.LinkAdd(veth); err != nil {
			return fmt.Errorf("adding the veth pair: %v", err)
		}
		if eth, err = h.LinkByName("eth0"); err != nil {
			return err
		}
	}
	peer, err := h.LinkByName("lab-peer")
	if err != nil {
		return err
	}
	want := &netlink.Addr{IPNet: &net.IPNet{IP: addr, Mask: net.CIDRMask(32, 32)}}
	if err := h.AddrReplace(eth, want); err != nil {
		return fmt.Errorf("address %s on eth0: %v", addr, err)
	}
	for _, l := range []netlink.Link{eth, peer} {
		if err := h.LinkSetUp(l); err != nil {
			return fmt.Errorf("%s up: %v", l.Attrs().Name, err)
		}
	}
	route := &netlink.Route{LinkIndex: eth.Attrs().Index, Scope: netlink.SCOPE_LINK, Dst: nil, Src: addr}
	if err := h.RouteReplace(route); err != nil {
		return fmt.Errorf("default route: %v", err)
	}
	return nil
}

// removeNetns unpins a pod's network namespace (it ends when no process uses it).
func removeNetns(file string) {
	_ = unix.Unmount(file, unix.MNT_DETACH)
	_ = os.Remove(file)
}

// Cleanup unpins every network namespace the pod runner of lab dir left behind
// (a pod runner that was killed cannot). lab:down may call it after the pod
// runner is gone.
func Cleanup(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "netns", "*"))
	for _, f := range files {
		removeNetns(f)
	}
}

// mountsUnder lists the mount points below dir, from /proc/self/mountinfo.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			out = append(out, unescapeMountinfo(fields[4]))
		}
	}
	return out
}

func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// forwarder listens on 127.0.0.1:<port> inside a pod's namespace for each of
// the lab's apiserver ports and connects each connection to the host's.
type forwarder struct {
	lns []net.Listener
	wg  sync.WaitGroup
}

func startForwarder(file string, ports []int) (*forwarder, error) {
	f := &forwarder{}
	for _, port := range ports {
		ln, err := listenIn(file, "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			f.close()
			return nil, err
		}
		f.lns = append(f.lns, ln)
		f.wg.Add(1)
		go func(port int) {
			defer f.wg.Done()
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

func (f *forwarder) close() {
	if f == nil {
		return
	}
	for _, ln := range f.lns {
		ln.Close()
	}
}

// listenIn creates a TCP listener inside the network namespace pinned at file.
func listenIn(file, addr string) (net.Listener, error) {
	type res struct {
		ln  net.Listener
		err error
	}
	c := make(chan res, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		ns, err := netns.GetFromPath(file)
		if err == nil {
			err = netns.Set(ns)
			ns.Close()
		}
		if err != nil {
			c <- res{nil, fmt.Errorf("entering %s: %v", file, err)}
			return
		}
		ln, err := net.Listen("tcp", addr)
		c <- res{ln, err}
	}()
	r := <-c
	return r.ln, r.err
}

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

// canNetns reports whether pods can get network namespaces of their own.
func canNetns() bool {
	if os.Geteuid() != 0 || os.Getenv("KUBEMARK_LAB_NO_NETNS") == "1" {
		return false
	}
	ok := make(chan bool, 1)
	go func() {
		runtime.LockOSThread()
		ok <- unix.Unshare(unix.CLONE_NEWNET) == nil
	}()
	return <-ok
}
