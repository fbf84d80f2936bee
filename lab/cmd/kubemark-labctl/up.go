package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// up: a fresh lab (no supervisor runs) gets certificates, lab.json and a supervisor, and
// then every component; a running lab gets only what does not run (stopped, paused or
// crashed components). Both paths then wait until the lab is ready.

func cmdUp(args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	nodes := fs.Int("nodes", envInt("KUBEMARK_LAB_WORKER_NODES", 3), "number of KWOK nodes in the workers cluster")
	timeout := fs.Duration("timeout", time.Duration(envInt("KUBEMARK_LAB_UP_TIMEOUT", 240))*time.Second, "how long to wait for readiness")
	if err := fs.Parse(args); err != nil {
		return exitErr{exitUsage, err.Error()}
	}
	t0 := time.Now()
	dir := labDir()
	bins := binDir()
	for _, b := range []string{"kubemark-lab", "kwok"} {
		if _, err := os.Stat(filepath.Join(bins, b)); err != nil {
			return fmt.Errorf("%s is missing: run `npm run lab:build` (lab/build.sh) first", filepath.Join(bins, b))
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	_ = os.Chmod(dir, 0o700) // keys, tokens, etcd data and argv: the lab's user only
	lock, err := lockLab(dir, "up", 0)
	if err != nil {
		return err
	}
	defer lock.release()
	u := &upRun{dir: dir, t0: t0, deadline: t0.Add(*timeout), nodes: *nodes}
	if st, err := readState(dir); err == nil && supervisorRunning(dir) {
		u.st = st
		fmt.Printf("lab up: a lab runs in %s; starting only what does not run\n", dir)
		if err := u.bringUp(); err != nil {
			return fmt.Errorf("%w\n(the components that ran are left as they were: npm run lab:status)", err)
		}
		return u.ready()
	}
	if err := sweepLeftovers(dir, "lab up"); err != nil {
		return err
	}
	if err := u.prepare(bins); err != nil {
		return err
	}
	if err := startSupervisor(dir, u.st.ID, filepath.Join(bins, "kubemark-labctl")); err != nil {
		return err
	}
	// Ctrl-C or SIGTERM while a fresh lab starts: stop what was started, then exit.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		fmt.Fprintf(os.Stderr, "lab up: %v: stopping what was started\n", s)
		_ = stopLab(dir, 20*time.Second)
		lock.release()
		os.Exit(130)
	}()
	u.logf("supervisor started")
	if err := u.bringUp(); err != nil {
		fmt.Fprintf(os.Stderr, "lab up: failed, stopping what was started\n")
		_ = stopLab(dir, 20*time.Second)
		return err
	}
	return u.ready()
}

type upRun struct {
	dir      string
	t0       time.Time
	deadline time.Time
	nodes    int
	st       *LabState
}

func (u *upRun) logf(format string, a ...any) {
	fmt.Printf("lab up: [%5.1fs] %s\n", time.Since(u.t0).Seconds(), fmt.Sprintf(format, a...))
}

// prepare makes the certificates, the kubeconfigs and lab.json of a fresh lab.
func (u *upRun) prepare(bins string) error {
	ports := loadPorts()
	if err := checkPorts(ports); err != nil {
		return exitErr{exitFailed, err.Error()}
	}
	dir := u.dir
	var p labPKI
	var err error
	if p.workers, err = makeClusterPKI(dir, "workers", ports.WorkersAPI); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if p.masters, err = makeClusterPKI(dir, "masters", ports.MastersAPI); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if p.etcd, err = makeEtcdPKI(dir); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	if p.kwokServing, err = ensureLeaf(p.workers.ca, filepath.Join(p.workers.dir, "kwok"), "kwok", nil, true, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	token, tokenFile, err := workersToken(p.workers)
	if err != nil {
		return err
	}
	p.tokenFile = tokenFile
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	if err := writeUserKubeconfig(kubeconfigPath, p.workers, p.masters, token); err != nil {
		return err
	}
	for _, d := range []string{"logs", "podrunner"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	u.st = &LabState{
		Version: 2, ID: randHex(8), Dir: dir, Kubeconfig: kubeconfigPath,
		Contexts:          map[string]string{"workers": ctxWorkers, "masters": ctxMasters},
		KubernetesVersion: k8sVersion, KwokVersion: kwokVersion, StartedAt: time.Now().UTC(),
		Clusters: map[string]ClusterState{
			"workers": {Server: p.workers.server, Context: ctxWorkers, EtcdPrefix: "/workers", Auth: "token", AdminKubeconfig: p.workers.adminKubeconfig},
			"masters": {Server: p.masters.server, Context: ctxMasters, EtcdPrefix: "/masters", Auth: "client-certificate", AdminKubeconfig: p.masters.adminKubeconfig},
		},
		Ports:            ports,
		HollowNamespaces: hollowNamespaces(),
		Components:       componentSpecs(dir, ports, &p, bins, filepath.Join(bins, "..", "kwok")),
		PodRunner:        PodRunnerInfo{StateFile: filepath.Join(dir, "podrunner", "state.json"), PodsDir: filepath.Join(dir, "pods")},
	}
	return writeState(u.st)
}

// ensure starts the named components that do not run (stopped, paused, crashed) and
// leaves the running ones alone.
func (u *upRun) ensure(names ...string) error {
	r, err := callSupervisor(u.dir, "GET", "/status", 10*time.Second)
	if err != nil {
		return err
	}
	for _, n := range names {
		if c, ok := r.Components[n]; ok && c.State == stateRunning {
			continue
		}
		if _, err := callSupervisor(u.dir, "POST", "/start/"+n, 30*time.Second); err != nil {
			return fmt.Errorf("starting %s: %w", n, err)
		}
		u.logf("started %s", n)
	}
	return nil
}

func (u *upRun) healthy(names ...string) error {
	for _, n := range names {
		if err := waitHealthy(u.st, n, u.deadline); err != nil {
			return err
		}
	}
	return nil
}

// bringUp starts, in order, what does not run, and waits until it is healthy.
func (u *upRun) bringUp() error {
	if err := u.ensure("etcd"); err != nil {
		return err
	}
	if err := u.healthy("etcd"); err != nil {
		return err
	}
	u.logf("etcd ready on %s (TLS, client certificates only)", u.st.Components[0].Address)
	if err := u.ensure("workers-apiserver", "masters-apiserver"); err != nil {
		return err
	}
	if err := u.healthy("workers-apiserver", "masters-apiserver"); err != nil {
		return err
	}
	u.logf("apiservers ready: workers %s, masters %s", u.st.Clusters["workers"].Server, u.st.Clusters["masters"].Server)
	if err := u.ensure("workers-controller-manager", "workers-scheduler", "masters-controller-manager", "masters-scheduler"); err != nil {
		return err
	}
	// KWOK CRDs and nodes in the workers cluster (both idempotent).
	wcfg, err := clientcmd.BuildConfigFromFlags("", u.st.Clusters["workers"].AdminKubeconfig)
	if err != nil {
		return err
	}
	wcs := kubernetes.NewForConfigOrDie(wcfg)
	ctx := context.Background()
	if err := applyCRDs(ctx, dynamic.NewForConfigOrDie(wcfg), filepath.Join(binDir(), "..", "kwok", "crds")); err != nil {
		return fmt.Errorf("installing KWOK CRDs: %w", err)
	}
	if err := ensureLogsPolicy(ctx, wcs, u.st.PodRunner.PodsDir); err != nil {
		return fmt.Errorf("installing the admission policy for KWOK's Logs: %w", err)
	}
	if len(u.st.KwokNodes) == 0 {
		for i := 0; i < u.nodes; i++ {
			u.st.KwokNodes = append(u.st.KwokNodes, fmt.Sprintf("kwok-worker-%d", i))
		}
		if err := writeState(u.st); err != nil {
			return err
		}
	}
	for _, name := range u.st.KwokNodes {
		if err := ensureKwokNode(ctx, wcs, name); err != nil {
			return fmt.Errorf("creating KWOK node %s: %w", name, err)
		}
	}
	if err := u.ensure("kwok", "podrunner"); err != nil {
		return err
	}
	var all []string
	for _, c := range u.st.Components {
		all = append(all, c.Name)
	}
	if err := u.healthy(all...); err != nil {
		return err
	}
	// Both clusters serve: KWOK nodes Ready, default service accounts exist (controllers run).
	mcfg, err := clientcmd.BuildConfigFromFlags("", u.st.Clusters["masters"].AdminKubeconfig)
	if err != nil {
		return err
	}
	mcs := kubernetes.NewForConfigOrDie(mcfg)
	return pollUntil(u.deadline, func() error {
		for _, n := range u.st.KwokNodes {
			node, err := wcs.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !nodeReady(node) {
				return fmt.Errorf("KWOK node %s not Ready yet", n)
			}
		}
		for _, cs := range []kubernetes.Interface{wcs, mcs} {
			if _, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
				return fmt.Errorf("controllers not ready (default ServiceAccount): %w", err)
			}
		}
		return nil
	})
}

// ready records readyAt and prints the status.
func (u *upRun) ready() error {
	var prs podRunnerState
	if b, err := os.ReadFile(u.st.PodRunner.StateFile); err == nil && json.Unmarshal(b, &prs) == nil {
		u.st.PodRunner.NetworkMode, u.st.PodRunner.PrivateTmp = prs.NetworkMode, prs.PrivateTmp
	}
	now := time.Now().UTC()
	u.st.ReadyAt = &now
	if err := writeState(u.st); err != nil {
		return err
	}
	u.logf("lab ready")
	fmt.Println()
	return printStatus(u.st, false)
}

func pollUntil(deadline time.Time, check func() error) error {
	for {
		err := check()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready before the deadline: %w", err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// startSupervisor starts `kubemark-labctl supervise` in its own session, detached from up,
// and waits until it answers on its socket.
func startSupervisor(dir, id, self string) error {
	logPath := filepath.Join(dir, "logs", "supervisor.log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(self, "supervise", "--dir="+dir)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), markerEnv+"="+dir, instanceEnv+"="+id)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the supervisor: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("the supervisor exited (%v)\n---- last lines of %s ----\n%s\n----", err, logPath, tail(logPath, 25))
		default:
		}
		if _, err := callSupervisor(dir, "GET", "/status", 2*time.Second); err == nil {
			return nil
		} else if time.Now().After(deadline) {
			return fmt.Errorf("the supervisor does not answer: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
