package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

type launcher struct {
	dir     string
	state   *LabState
	waiters map[string]chan error // exit of started processes
}

func (l *launcher) start(name, cluster, bin string, args []string, health, address string) (*Component, error) {
	logDir := filepath.Join(l.dir, "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return nil, err
	}
	logPath := filepath.Join(logDir, name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fmt.Fprintf(f, "==== %s starting %s %s\n", time.Now().UTC().Format(time.RFC3339), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Dir = l.dir
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = append(os.Environ(), markerEnv+"="+l.dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true} // own session and process group
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	ch := make(chan error, 1)
	go func() { ch <- cmd.Wait() }()
	l.waiters[name] = ch
	c := Component{Name: name, Cluster: cluster, Pid: cmd.Process.Pid, Pgid: cmd.Process.Pid, Log: logPath, Health: health, Address: address, Args: append([]string{bin}, args...)}
	l.state.Components = append(l.state.Components, c)
	_ = writeState(l.state)
	return &c, nil
}

// exited returns an error if the named process has already exited.
func (l *launcher) exited(name string) error {
	ch, ok := l.waiters[name]
	if !ok {
		return nil
	}
	select {
	case err := <-ch:
		ch <- err
		if err == nil {
			err = errors.New("exit status 0")
		}
		return fmt.Errorf("%s exited: %v", name, err)
	default:
		return nil
	}
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls check until it returns nil, the component exits, or the deadline passes.
func (l *launcher) waitFor(what string, names []string, deadline time.Time, check func() error) error {
	var last error
	for {
		for _, n := range names {
			if err := l.exited(n); err != nil {
				return l.failure(n, err)
			}
		}
		if last = check(); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			name := ""
			if len(names) > 0 {
				name = names[0]
			}
			return l.failure(name, fmt.Errorf("%s not ready before the deadline: %v", what, last))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func (l *launcher) failure(name string, err error) error {
	for _, c := range l.state.Components {
		if c.Name == name {
			return fmt.Errorf("%v\n---- last lines of %s ----\n%s\n----", err, c.Log, tail(c.Log, 25))
		}
	}
	return err
}

func httpGet(client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: HTTP %d: %s", url, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	return nil
}

func insecureClient() *http.Client {
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
}

func certClient(caFile, certFile, keyFile string) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(mustRead(caFile)) {
		return nil, fmt.Errorf("bad CA %s", caFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	return &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}}, nil
}

func checkPorts(p Ports) error {
	var bad []string
	for _, s := range portSpecs {
		port := *s.ptr(&p)
		if s.env == "KUBEMARK_LAB_HOLLOW_PORT_BASE" {
			continue
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			bad = append(bad, fmt.Sprintf("  port %d (%s) on 127.0.0.1 is taken: %v  -> free it, or set %s (or KUBEMARK_LAB_PORT_OFFSET)", port, s.name, err, s.env))
			continue
		}
		ln.Close()
	}
	if len(bad) > 0 {
		return fmt.Errorf("cannot start the lab, ports in use:\n%s", strings.Join(bad, "\n"))
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// clusterPKI holds one cluster's certificates.
type clusterPKI struct {
	name               string
	dir                string
	ca, serving, admin *keyPair
	saKey, saPub       string
	adminKubeconfig    string
	server             string
}

func makeClusterPKI(dir, name string, port int) (*clusterPKI, error) {
	d := filepath.Join(dir, "pki", name)
	ca, err := ensureCA(filepath.Join(d, "ca"), "kubemark-lab-"+name+"-ca")
	if err != nil {
		return nil, err
	}
	serving, err := ensureLeaf(ca, filepath.Join(d, "apiserver"), "kube-apiserver", nil, true,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		[]net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.96.0.1")})
	if err != nil {
		return nil, err
	}
	admin, err := ensureLeaf(ca, filepath.Join(d, "admin"), "kubemark-lab-admin", []string{"system:masters"}, false, nil, nil)
	if err != nil {
		return nil, err
	}
	saKey, saPub, err := ensureSAKey(d)
	if err != nil {
		return nil, err
	}
	p := &clusterPKI{name: name, dir: d, ca: ca, serving: serving, admin: admin, saKey: saKey, saPub: saPub,
		server: fmt.Sprintf("https://127.0.0.1:%d", port), adminKubeconfig: filepath.Join(d, "admin.kubeconfig")}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: p.server, CertificateAuthorityData: mustRead(ca.Cert)}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: mustRead(admin.Cert), ClientKeyData: mustRead(admin.Key)}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: "admin"}
	cfg.CurrentContext = name
	return p, clientcmd.WriteToFile(*cfg, p.adminKubeconfig)
}

func cmdUp(args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	nodes := fs.Int("nodes", envInt("KUBEMARK_LAB_WORKER_NODES", 3), "number of KWOK nodes in the workers cluster")
	timeout := fs.Duration("timeout", time.Duration(envInt("KUBEMARK_LAB_UP_TIMEOUT", 240))*time.Second, "how long to wait for readiness")
	if err := fs.Parse(args); err != nil {
		return exitErr{2, err.Error()}
	}
	t0 := time.Now()
	dir := labDir()
	bins := binDir()
	labBin, kwokBin, selfBin := filepath.Join(bins, "kubemark-lab"), filepath.Join(bins, "kwok"), filepath.Join(bins, "kubemark-labctl")
	for _, b := range []string{labBin, kwokBin} {
		if _, err := os.Stat(b); err != nil {
			return fmt.Errorf("%s is missing: run `npm run lab:build` (lab/build.sh) first", b)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Already running? Then report; half-running: clean up first.
	if st, err := readState(dir); err == nil {
		live := 0
		for _, c := range st.Components {
			if alive(c.Pid) {
				live++
			}
		}
		if live == len(st.Components) && live > 0 {
			fmt.Printf("lab: already running in %s\n", dir)
			return printStatus(st, false)
		}
		if live > 0 || len(markedProcs(dir)) > 0 {
			fmt.Printf("lab: a previous lab in %s is partly running; stopping it first\n", dir)
			_ = stopAll(dir, st, 20*time.Second)
		}
	}
	ports := loadPorts()
	if err := checkPorts(ports); err != nil {
		return exitErr{3, err.Error()}
	}

	// PKI
	wp, err := makeClusterPKI(dir, "workers", ports.WorkersAPI)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	mp, err := makeClusterPKI(dir, "masters", ports.MastersAPI)
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	kwokServing, err := ensureLeaf(wp.ca, filepath.Join(wp.dir, "kwok"), "kwok", nil, true, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")})
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	tokenFile := filepath.Join(wp.dir, "tokens.csv")
	token := ""
	if b, err := os.ReadFile(tokenFile); err == nil {
		token = strings.SplitN(string(b), ",", 2)[0]
	}
	if token == "" {
		token = randHex(24)
		if err := os.WriteFile(tokenFile, []byte(token+",kubemark-lab-token-admin,kubemark-lab-token-admin,\"system:masters\"\n"), 0o600); err != nil {
			return err
		}
	}
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	if err := writeUserKubeconfig(kubeconfigPath, wp, mp, token); err != nil {
		return err
	}

	st := &LabState{
		Version: 1, Dir: dir, Kubeconfig: kubeconfigPath,
		Contexts:          map[string]string{"workers": ctxWorkers, "masters": ctxMasters},
		KubernetesVersion: k8sVersion, KwokVersion: kwokVersion, StartedAt: time.Now().UTC(),
		Clusters: map[string]ClusterState{
			"workers": {Server: wp.server, Context: ctxWorkers, EtcdPrefix: "/workers", Auth: "token", AdminKubeconfig: wp.adminKubeconfig},
			"masters": {Server: mp.server, Context: ctxMasters, EtcdPrefix: "/masters", Auth: "client-certificate", AdminKubeconfig: mp.adminKubeconfig},
		},
		Ports:     ports,
		PodRunner: PodRunnerInfo{StateFile: filepath.Join(dir, "podrunner", "state.json"), PodsDir: filepath.Join(dir, "pods")},
	}
	l := &launcher{dir: dir, state: st, waiters: map[string]chan error{}}
	deadline := t0.Add(*timeout)
	fail := func(err error) error {
		fmt.Fprintf(os.Stderr, "lab up: failed, stopping what was started\n")
		_ = stopAll(dir, st, 15*time.Second)
		return err
	}
	logf := func(format string, a ...any) {
		fmt.Printf("lab up: [%5.1fs] %s\n", time.Since(t0).Seconds(), fmt.Sprintf(format, a...))
	}

	// etcd
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", ports.EtcdClient)
	if _, err := l.start("etcd", "", labBin, []string{"etcd", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-url", etcdURL, "--listen-peer-url", fmt.Sprintf("http://127.0.0.1:%d", ports.EtcdPeer)}, etcdURL+"/health", etcdURL); err != nil {
		return fail(err)
	}
	if err := l.waitFor("etcd", []string{"etcd"}, deadline, func() error { return httpGet(insecureClient(), etcdURL+"/health") }); err != nil {
		return fail(err)
	}
	logf("etcd ready on %s", etcdURL)

	// apiservers
	apiArgs := func(p *clusterPKI, port int, prefix, svcRange string, extra ...string) []string {
		a := []string{"apiserver",
			"--etcd-servers=" + etcdURL, "--etcd-prefix=" + prefix,
			"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
			"--tls-cert-file=" + p.serving.Cert, "--tls-private-key-file=" + p.serving.Key,
			"--client-ca-file=" + p.ca.Cert,
			"--service-account-key-file=" + p.saPub, "--service-account-signing-key-file=" + p.saKey,
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--kubelet-client-certificate=" + p.admin.Cert, "--kubelet-client-key=" + p.admin.Key,
			"--kubelet-preferred-address-types=InternalIP,Hostname",
			"--authorization-mode=Node,RBAC", "--allow-privileged=true",
			"--service-cluster-ip-range=" + svcRange,
			"--endpoint-reconciler-type=none",
			"--cert-dir=" + filepath.Join(p.dir, "apiserver-certs"),
			"--v=1",
		}
		return append(a, extra...)
	}
	workersAPI := fmt.Sprintf("https://127.0.0.1:%d", ports.WorkersAPI)
	mastersAPI := fmt.Sprintf("https://127.0.0.1:%d", ports.MastersAPI)
	if _, err := l.start("workers-apiserver", "workers", labBin, apiArgs(wp, ports.WorkersAPI, "/workers", "10.96.0.0/16", "--token-auth-file="+tokenFile), workersAPI+"/readyz", workersAPI); err != nil {
		return fail(err)
	}
	if _, err := l.start("masters-apiserver", "masters", labBin, apiArgs(mp, ports.MastersAPI, "/masters", "10.96.0.0/16"), mastersAPI+"/readyz", mastersAPI); err != nil {
		return fail(err)
	}
	wc, err := certClient(wp.ca.Cert, wp.admin.Cert, wp.admin.Key)
	if err != nil {
		return fail(err)
	}
	mc, err := certClient(mp.ca.Cert, mp.admin.Cert, mp.admin.Key)
	if err != nil {
		return fail(err)
	}
	if err := l.waitFor("workers apiserver", []string{"workers-apiserver"}, deadline, func() error { return httpGet(wc, workersAPI+"/readyz") }); err != nil {
		return fail(err)
	}
	if err := l.waitFor("masters apiserver", []string{"masters-apiserver"}, deadline, func() error { return httpGet(mc, mastersAPI+"/readyz") }); err != nil {
		return fail(err)
	}
	logf("apiservers ready: workers %s, masters %s", workersAPI, mastersAPI)

	// controller-managers and schedulers
	cmArgs := func(p *clusterPKI, port int, extra ...string) []string {
		a := []string{"controller-manager", "--kubeconfig=" + p.adminKubeconfig,
			"--authentication-kubeconfig=" + p.adminKubeconfig, "--authorization-kubeconfig=" + p.adminKubeconfig,
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port), "--cert-dir=" + filepath.Join(p.dir, "cm-certs"),
			"--leader-elect=false", "--root-ca-file=" + p.ca.Cert, "--service-account-private-key-file=" + p.saKey,
			"--use-service-account-credentials=false", "--controllers=*,-nodeipam",
			"--kube-api-qps=100", "--kube-api-burst=200", "--v=1"}
		return append(a, extra...)
	}
	schedArgs := func(p *clusterPKI, port int) []string {
		return []string{"scheduler", "--kubeconfig=" + p.adminKubeconfig,
			"--authentication-kubeconfig=" + p.adminKubeconfig, "--authorization-kubeconfig=" + p.adminKubeconfig,
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port), "--cert-dir=" + filepath.Join(p.dir, "scheduler-certs"),
			"--leader-elect=false", "--kube-api-qps=100", "--kube-api-burst=200", "--v=1"}
	}
	hz := func(port int) string { return fmt.Sprintf("https://127.0.0.1:%d/healthz", port) }
	for _, s := range []struct {
		name, cluster string
		args          []string
		port          int
	}{
		{"workers-controller-manager", "workers", cmArgs(wp, ports.WorkersCM), ports.WorkersCM},
		{"workers-scheduler", "workers", schedArgs(wp, ports.WorkersScheduler), ports.WorkersScheduler},
		// A fake node whose heartbeats stop turns NotReady after 20s (default 40s... 50s).
		{"masters-controller-manager", "masters", cmArgs(mp, ports.MastersCM, "--node-monitor-grace-period=20s", "--node-monitor-period=2s"), ports.MastersCM},
		{"masters-scheduler", "masters", schedArgs(mp, ports.MastersScheduler), ports.MastersScheduler},
	} {
		if _, err := l.start(s.name, s.cluster, labBin, s.args, hz(s.port), fmt.Sprintf("127.0.0.1:%d", s.port)); err != nil {
			return fail(err)
		}
	}

	// KWOK CRDs and nodes in the workers cluster.
	wcfg, err := clientcmd.BuildConfigFromFlags("", wp.adminKubeconfig)
	if err != nil {
		return fail(err)
	}
	wcs := kubernetes.NewForConfigOrDie(wcfg)
	wdyn := dynamic.NewForConfigOrDie(wcfg)
	ctx := context.Background()
	if err := applyCRDs(ctx, wdyn, filepath.Join(bins, "..", "kwok", "crds")); err != nil {
		return fail(fmt.Errorf("installing KWOK CRDs: %w", err))
	}
	for i := 0; i < *nodes; i++ {
		name := fmt.Sprintf("kwok-worker-%d", i)
		if err := ensureKwokNode(ctx, wcs, name); err != nil {
			return fail(fmt.Errorf("creating KWOK node %s: %w", name, err))
		}
		st.KwokNodes = append(st.KwokNodes, name)
	}
	kwokAddr := fmt.Sprintf("127.0.0.1:%d", ports.Kwok)
	kwokArgs := []string{"--kubeconfig=" + wp.adminKubeconfig,
		"--config=" + kwokConfig(filepath.Join(bins, "..", "kwok", "stages")),
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-ip=127.0.0.1", "--node-port=" + strconv.Itoa(ports.Kwok), "--server-address=" + kwokAddr,
		"--tls-cert-file=" + kwokServing.Cert, "--tls-private-key-file=" + kwokServing.Key,
		"--node-lease-duration-seconds=40", "--enable-crds=Logs,ClusterLogs", "--cidr=10.244.0.1/16"}
	if _, err := l.start("kwok", "workers", kwokBin, kwokArgs, "https://"+kwokAddr+"/healthz", kwokAddr); err != nil {
		return fail(err)
	}
	// pod runner
	if _, err := l.start("podrunner", "workers", selfBin, []string{"podrunner", "--dir=" + dir, "--kubeconfig=" + wp.adminKubeconfig,
		"--kubemark=" + labBin, "--port-base=" + strconv.Itoa(ports.HollowBase), "--port-count=" + strconv.Itoa(ports.HollowCount),
		fmt.Sprintf("--forward-ports=%d,%d", ports.MastersAPI, ports.WorkersAPI)},
		"file://"+filepath.Join(dir, "podrunner", "ready"), ""); err != nil {
		return fail(err)
	}

	all := []string{"etcd", "workers-apiserver", "masters-apiserver", "workers-controller-manager", "workers-scheduler", "masters-controller-manager", "masters-scheduler", "kwok", "podrunner"}
	for _, c := range st.Components {
		if !strings.HasPrefix(c.Health, "https://127.0.0.1") || strings.HasSuffix(c.Health, "/readyz") {
			continue
		}
		c := c
		if err := l.waitFor(c.Name, all, deadline, func() error { return httpGet(insecureClient(), c.Health) }); err != nil {
			return fail(err)
		}
	}
	if err := l.waitFor("pod runner", all, deadline, func() error {
		_, err := os.Stat(filepath.Join(dir, "podrunner", "ready"))
		return err
	}); err != nil {
		return fail(err)
	}
	// Both clusters serve: KWOK nodes Ready, default service accounts exist (controllers run).
	if err := l.waitFor("KWOK nodes Ready", all, deadline, func() error {
		for _, n := range st.KwokNodes {
			node, err := wcs.CoreV1().Nodes().Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !nodeReady(node) {
				return fmt.Errorf("node %s not Ready yet", n)
			}
		}
		return nil
	}); err != nil {
		return fail(err)
	}
	mcfg, err := clientcmd.BuildConfigFromFlags("", mp.adminKubeconfig)
	if err != nil {
		return fail(err)
	}
	mcs := kubernetes.NewForConfigOrDie(mcfg)
	for _, cs := range []struct {
		name string
		c    kubernetes.Interface
	}{{"workers", wcs}, {"masters", mcs}} {
		cs := cs
		if err := l.waitFor(cs.name+" controllers (default ServiceAccount)", all, deadline, func() error {
			_, err := cs.c.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
			return err
		}); err != nil {
			return fail(err)
		}
	}
	var prs podRunnerState
	if b, err := os.ReadFile(st.PodRunner.StateFile); err == nil && json.Unmarshal(b, &prs) == nil {
		st.PodRunner.NetworkMode, st.PodRunner.PrivateTmp = prs.NetworkMode, prs.PrivateTmp
	}
	now := time.Now().UTC()
	st.ReadyAt = &now
	if err := writeState(st); err != nil {
		return fail(err)
	}
	logf("lab ready")
	fmt.Println()
	return printStatus(st, false)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func writeUserKubeconfig(path string, wp, mp *clusterPKI, token string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[ctxWorkers] = &clientcmdapi.Cluster{Server: wp.server, CertificateAuthorityData: mustRead(wp.ca.Cert)}
	cfg.Clusters[ctxMasters] = &clientcmdapi.Cluster{Server: mp.server, CertificateAuthorityData: mustRead(mp.ca.Cert)}
	cfg.AuthInfos[ctxWorkers+"-admin"] = &clientcmdapi.AuthInfo{Token: token}
	cfg.AuthInfos[ctxMasters+"-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: mustRead(mp.admin.Cert), ClientKeyData: mustRead(mp.admin.Key)}
	cfg.Contexts[ctxWorkers] = &clientcmdapi.Context{Cluster: ctxWorkers, AuthInfo: ctxWorkers + "-admin", Namespace: "default"}
	cfg.Contexts[ctxMasters] = &clientcmdapi.Context{Cluster: ctxMasters, AuthInfo: ctxMasters + "-admin", Namespace: "default"}
	cfg.CurrentContext = ctxWorkers
	return clientcmd.WriteToFile(*cfg, path)
}

func kwokConfig(stagesDir string) string {
	// kwok accepts a comma-separated list of config files.
	ents, _ := os.ReadDir(stagesDir)
	var files []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".yaml") {
			abs, _ := filepath.Abs(filepath.Join(stagesDir, e.Name()))
			files = append(files, abs)
		}
	}
	return strings.Join(files, ",")
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

func applyCRDs(ctx context.Context, dyn dynamic.Interface, dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return err
		}
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(b, &obj.Object); err != nil {
			return fmt.Errorf("%s: %w", e.Name(), err)
		}
		_, err = dyn.Resource(crdGVR).Create(ctx, obj, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return err
		}
		names = append(names, obj.GetName())
	}
	// wait until Established
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range names {
		for {
			o, err := dyn.Resource(crdGVR).Get(ctx, n, metav1.GetOptions{})
			if err == nil {
				conds, _, _ := unstructured.NestedSlice(o.Object, "status", "conditions")
				ok := false
				for _, c := range conds {
					m, _ := c.(map[string]any)
					if m["type"] == "Established" && m["status"] == "True" {
						ok = true
					}
				}
				if ok {
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("CRD %s not established", n)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

func ensureKwokNode(ctx context.Context, cs kubernetes.Interface, name string) error {
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("128Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
			Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
				"type": "kwok", "kubemark-lab/role": "worker"},
		},
		Status: corev1.NodeStatus{Capacity: res, Allocatable: res},
	}
	_, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}
