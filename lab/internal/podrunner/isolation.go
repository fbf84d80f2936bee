package podrunner

// Isolation of a container process (as root): `kubemark-labctl container`
// runs between the pod runner and kubemark. The pod runner starts it in a new
// mount namespace (and with SIGKILL as its parent-death signal); it joins the
// pod's network namespace, builds the container's view of the file system and
// execs kubemark:
//
//   - /run is the container's own (a tmpfs, as in a container image), holding
//     only the volumes mounted below it: a hostPath /run/containerd is the
//     node's folder of the lab, where the fake CRI serves containerd.sock. So the
//     hollow kubelet's fixed unix:///run/containerd/containerd.sock reaches it.
//   - /tmp is the pod's tmp/ (the hollow kubelet keeps its root dir and its own
//     fake runtime socket in /tmp); lab folders under /tmp stay visible.
//   - /etc/hosts maps the pod's hostname to its IP and /etc/resolv.conf points
//     at nothing, as a pod's files do; so the kubelet's node IP is the pod's.
//   - the lab's netns pins are detached, so a container holds no other pod's
//     network namespace.

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// ContainerExec is the `container` verb of kubemark-labctl (internal).
func ContainerExec(args []string) error {
	runtime.LockOSThread() // setns affects this thread, which then execs
	fs := flag.NewFlagSet("container", flag.ContinueOnError)
	netnsFile := fs.String("netns", "", "join the network namespace pinned at this file")
	detach := fs.String("detach", "", "lazily unmount every mount below this folder (the lab's netns pins)")
	runTmpfs := fs.Bool("run-tmpfs", false, "mount a fresh tmpfs on /run")
	tmp := fs.String("tmp", "", "bind this folder on /tmp")
	var keep, bindFrom, bindTo multiFlag
	fs.Var(&keep, "keep", "a path under /tmp that must stay visible after --tmp (repeatable)")
	fs.Var(&bindFrom, "bind-from", "a host path to bind-mount at the --bind-to of the same rank (repeatable)")
	fs.Var(&bindTo, "bind-to", "where under /run to bind-mount the --bind-from of the same rank (repeatable)")
	hosts := fs.String("hosts", "", "file to bind on /etc/hosts")
	resolv := fs.String("resolv", "", "file to bind on /etc/resolv.conf")
	if err := fs.Parse(args); err != nil {
		return err
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return fmt.Errorf("container: no command")
	}
	if len(bindFrom) != len(bindTo) {
		return fmt.Errorf("container: %d --bind-from for %d --bind-to", len(bindFrom), len(bindTo))
	}
	if len(bindTo) > 0 && !*runTmpfs {
		return fmt.Errorf("container: --bind-to needs --run-tmpfs (binds go only on the container's own /run)")
	}
	// die with the parent, even when a shell or wrapper sits in between
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0, 0, 0); err != nil {
		return err
	}
	if *netnsFile != "" {
		fd, err := unix.Open(*netnsFile, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("the pod's network namespace %s: %v", *netnsFile, err)
		}
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("joining the pod's network namespace: %v", err)
		}
		unix.Close(fd)
	}
	if *detach != "" {
		for _, m := range mountsUnder(*detach) {
			_ = unix.Unmount(m, unix.MNT_DETACH)
		}
	}
	if *tmp != "" {
		for _, k := range keep {
			rel, err := filepath.Rel("/tmp", k)
			if err != nil || strings.HasPrefix(rel, "..") {
				continue
			}
			if err := bindAt(k, filepath.Join(*tmp, rel), 0); err != nil {
				return fmt.Errorf("keeping %s visible: %v", k, err)
			}
		}
		if err := unix.Mount(*tmp, "/tmp", "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("mounting the pod's /tmp: %v", err)
		}
	}
	if *runTmpfs {
		if err := unix.Mount("tmpfs", "/run", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=16m"); err != nil {
			return fmt.Errorf("mounting the container's /run: %v", err)
		}
	}
	for i, host := range bindFrom {
		ctr := bindTo[i]
		if err := checkRunTarget(ctr); err != nil {
			return err
		}
		if err := bindAt(host, ctr, unix.MS_REC); err != nil {
			return fmt.Errorf("mounting %s at %s: %v", host, ctr, err)
		}
	}
	for src, dst := range map[string]string{*hosts: "/etc/hosts", *resolv: "/etc/resolv.conf"} {
		if src == "" {
			continue
		}
		if real, err := filepath.EvalSymlinks(dst); err == nil {
			dst = real
		}
		if err := bindAt(src, dst, 0); err != nil {
			return fmt.Errorf("mounting %s: %v", dst, err)
		}
	}
	bin := argv[0]
	if !strings.Contains(bin, "/") {
		return fmt.Errorf("container: %q is not a path", bin)
	}
	return syscall.Exec(bin, argv, os.Environ())
}

// checkRunTarget refuses a bind target outside the container's /run (a tmpfs
// of its own): not in clean form, not under /run, or through a symlink (an
// earlier bind may have brought one in).
func checkRunTarget(t string) error {
	if filepath.Clean(t) != t || (t != "/run" && !strings.HasPrefix(t, "/run/")) {
		return fmt.Errorf("container: bind target %q is not a clean path under /run", t)
	}
	for p := t; p != "/run"; p = filepath.Dir(p) {
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("container: bind target %q goes through the symlink %s", t, p)
		}
	}
	return nil
}

// bindAt bind-mounts src at dst, creating dst (a folder or an empty file, like src).
func bindAt(src, dst string, extra uintptr) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	if st.IsDir() {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return err
		}
	} else if _, err := os.Stat(dst); err != nil {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, nil, 0o644); err != nil {
			return err
		}
	}
	return unix.Mount(src, dst, "", unix.MS_BIND|extra, "")
}

// canMountNS reports whether containers can get mount namespaces of their own.
func canMountNS() bool {
	if os.Geteuid() != 0 || os.Getenv("KUBEMARK_LAB_NO_MOUNT_NS") == "1" {
		return false
	}
	cmd := exec.Command("/bin/sh", "-c", "mount -t tmpfs tmpfs /run")
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
	return cmd.Run() == nil
}
