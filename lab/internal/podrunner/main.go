package podrunner

// The `podrunner` verb of kubemark-labctl.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// Main runs the pod runner with the command line of `kubemark-labctl podrunner`.
// dir and kubemark are the defaults of --dir and --kubemark; marker is the
// lab's marker variable.
func Main(args []string, dir, kubemark, marker string) error {
	fs := flag.NewFlagSet("podrunner", flag.ContinueOnError)
	fdir := fs.String("dir", dir, "lab state dir")
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the workers cluster")
	fkm := fs.String("kubemark", kubemark, "multi-call binary providing `kubemark` and `fake-cri`")
	// the lab's defaults (labctl passes its own): 30000 + KUBEMARK_LAB_PORT_OFFSET, below the ephemeral range
	portBase := fs.Int("port-base", 30000+envOffset(), "first port for hollow kubelets (port-rewrite mode)")
	portCount := fs.Int("port-count", 100, "number of ports for hollow kubelets")
	hollowNS := fs.String("hollow-namespaces", strings.Join(DefaultHollowNamespaces, ","),
		"comma-separated namespaces whose hollow-node pods run without the extension's "+ManagedByLabel+"="+ManagedByValue+" label")
	forwardPorts := fs.String("forward-ports", "", "comma-separated host ports (the apiservers) reachable on 127.0.0.1 inside a pod's network namespace")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "kubemark-lab-podrunner"
	self, err := os.Executable()
	if err != nil {
		return err
	}
	def, why := DefaultMaxPods()
	c := Config{Dir: *fdir, Kubemark: *fkm, Self: self, PortBase: *portBase, PortCount: *portCount, Marker: marker,
		MaxPods:          envInt("KUBEMARK_LAB_MAX_HOLLOW_PODS", def),
		HollowNamespaces: ParseNamespaces(*hollowNS)}
	if c.MaxPods == def {
		logf("at most %d hollow-node pods at once: %s; KUBEMARK_LAB_MAX_HOLLOW_PODS changes it", def, why)
	}
	for _, f := range strings.Split(*forwardPorts, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			c.ForwardPorts = append(c.ForwardPorts, n)
		}
	}
	r := New(c, kubernetes.NewForConfigOrDie(cfg), dynamic.NewForConfigOrDie(cfg))
	r.netns, r.mountNS = canNetns(), canMountNS()
	if r.netns {
		logf("a network namespace per pod (pinned under %s) with the pod's IP and a default route; 127.0.0.1:%s inside reach the host's", r.netnsDir, *forwardPorts)
	} else {
		logf("no network namespaces (not root?): each pod gets its own kubelet port instead")
		if r.capToPorts() {
			c.MaxPods = r.cfg.MaxPods
			logf("at most %d hollow-node pods at once: one kubelet port each (%d-%d)", c.MaxPods, c.PortBase, c.PortBase+c.PortCount-1)
		}
	}
	if r.mountNS {
		logf("each container runs in its own mount namespace: the pod's /tmp, its own /run with its volumes (a node's /run/containerd is served by a fake CRI), /etc/hosts")
	} else {
		logf("containers share the host's /tmp and /run (not root, or KUBEMARK_LAB_NO_MOUNT_NS=1); the runner cleans up after them")
	}
	logf("hollow-node pods run in namespaces labelled %s=%s and in %v", ManagedByLabel, ManagedByValue, c.HollowNamespaces)
	readyFile := filepath.Join(*fdir, "podrunner", "ready")
	_ = os.Remove(readyFile)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err = r.Run(ctx, func() {
		_ = os.WriteFile(readyFile, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o600)
		logf("watching pods of the workers cluster (at most %d hollow-node pods at once)", c.MaxPods)
	})
	_ = os.Remove(readyFile)
	logf("stopped")
	return err
}

func envInt(name string, def int) int {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
		fmt.Fprintf(os.Stderr, "podrunner: ignoring %s=%q (not a positive number)\n", name, v)
	}
	return def
}

// envOffset is KUBEMARK_LAB_PORT_OFFSET (0 when unset or not a number).
func envOffset() int {
	n, _ := strconv.Atoi(strings.TrimSpace(os.Getenv("KUBEMARK_LAB_PORT_OFFSET")))
	return n
}
