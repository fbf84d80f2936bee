package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"kubemark-workbench/lab/internal/podrunner"
)

// hollowNamespaces are the namespaces whose hollow-node pods the pod runner runs without the
// extension's managed-by label: KUBEMARK_LAB_HOLLOW_NAMESPACES (comma-separated), default kubemark.
func hollowNamespaces() []string {
	if v, ok := os.LookupEnv("KUBEMARK_LAB_HOLLOW_NAMESPACES"); ok {
		return podrunner.ParseNamespaces(v)
	}
	return podrunner.DefaultHollowNamespaces
}

// labPKI is every certificate and kubeconfig the components need.
type labPKI struct {
	workers, masters *clusterPKI
	etcd             *etcdPKI
	kwokServing      *keyPair
	tokenFile        string
}

// componentSpecs returns the lab's components in start order, with their command lines.
func componentSpecs(dir string, ports Ports, p *labPKI, bins, kwokDir string) []Component {
	labBin, kwokBin, selfBin := filepath.Join(bins, "kubemark-lab"), filepath.Join(bins, "kwok"), filepath.Join(bins, "kubemark-labctl")
	logOf := func(name string) string { return filepath.Join(dir, "logs", name+".log") }
	etcdURL := fmt.Sprintf("https://127.0.0.1:%d", ports.EtcdClient)
	e := p.etcd
	apiArgs := func(cp *clusterPKI, etcdClient *keyPair, port int, prefix string, extra ...string) []string {
		a := []string{labBin, "apiserver",
			"--etcd-servers=" + etcdURL, "--etcd-prefix=" + prefix,
			"--etcd-cafile=" + e.ca.Cert, "--etcd-certfile=" + etcdClient.Cert, "--etcd-keyfile=" + etcdClient.Key,
			"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port),
			"--tls-cert-file=" + cp.serving.Cert, "--tls-private-key-file=" + cp.serving.Key,
			"--client-ca-file=" + cp.ca.Cert,
			"--service-account-key-file=" + cp.saPub, "--service-account-signing-key-file=" + cp.saKey,
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--kubelet-client-certificate=" + cp.admin.Cert, "--kubelet-client-key=" + cp.admin.Key,
			"--kubelet-preferred-address-types=InternalIP,Hostname",
			"--authorization-mode=Node,RBAC", "--allow-privileged=true",
			"--service-cluster-ip-range=10.96.0.0/16",
			"--endpoint-reconciler-type=none",
			// On SIGTERM, end the open watches (clients see their watch close and re-watch) instead
			// of leaving them open until the supervisor's SIGKILL: the apiserver then exits in well
			// under a second (lab:stop, lab:down), as a real one does with this flag set.
			"--shutdown-watch-termination-grace-period=3s",
			// DeleteCollection (kubectl delete --all, a namespace's cleanup) deletes with this many
			// workers instead of one at a time.
			"--delete-collection-workers=8",
			"--cert-dir=" + filepath.Join(cp.dir, "apiserver-certs"),
			"--v=1",
		}
		return append(a, extra...)
	}
	cmArgs := func(cp *clusterPKI, port int, extra ...string) []string {
		a := []string{labBin, "controller-manager", "--kubeconfig=" + cp.adminKubeconfig,
			"--authentication-kubeconfig=" + cp.adminKubeconfig, "--authorization-kubeconfig=" + cp.adminKubeconfig,
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port), "--cert-dir=" + filepath.Join(cp.dir, "cm-certs"),
			"--leader-elect=false", "--root-ca-file=" + cp.ca.Cert, "--service-account-private-key-file=" + cp.saKey,
			"--use-service-account-credentials=false", "--controllers=*,-nodeipam",
			"--kube-api-qps=100", "--kube-api-burst=200", "--v=1"}
		return append(a, extra...)
	}
	schedArgs := func(cp *clusterPKI, port int) []string {
		return []string{labBin, "scheduler", "--kubeconfig=" + cp.adminKubeconfig,
			"--authentication-kubeconfig=" + cp.adminKubeconfig, "--authorization-kubeconfig=" + cp.adminKubeconfig,
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(port), "--cert-dir=" + filepath.Join(cp.dir, "scheduler-certs"),
			"--leader-elect=false", "--kube-api-qps=100", "--kube-api-burst=200", "--v=1"}
	}
	hz := func(port int) string { return fmt.Sprintf("https://127.0.0.1:%d/healthz", port) }
	addr := func(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }
	kwokAddr := addr(ports.Kwok)
	mk := func(name, cluster, health, auth, address string, args []string) Component {
		return Component{Name: name, Cluster: cluster, Log: logOf(name), Health: health, HealthAuth: auth, Address: address, Args: args}
	}
	return []Component{
		mk("etcd", "", etcdURL+"/health", "etcd", etcdURL, []string{labBin, "etcd", "--data-dir", filepath.Join(dir, "etcd"),
			"--listen-client-url", etcdURL, "--listen-peer-url", fmt.Sprintf("https://127.0.0.1:%d", ports.EtcdPeer),
			"--cert-file", e.server.Cert, "--key-file", e.server.Key, "--trusted-ca-file", e.ca.Cert, "--client-cert-auth"}),
		mk("workers-apiserver", "workers", p.workers.server+"/readyz", "workers", p.workers.server,
			apiArgs(p.workers, e.workers, ports.WorkersAPI, "/workers", "--token-auth-file="+p.tokenFile)),
		mk("masters-apiserver", "masters", p.masters.server+"/readyz", "masters", p.masters.server,
			apiArgs(p.masters, e.masters, ports.MastersAPI, "/masters")),
		mk("workers-controller-manager", "workers", hz(ports.WorkersCM), "", addr(ports.WorkersCM), cmArgs(p.workers, ports.WorkersCM)),
		mk("workers-scheduler", "workers", hz(ports.WorkersScheduler), "", addr(ports.WorkersScheduler), schedArgs(p.workers, ports.WorkersScheduler)),
		// A fake node whose heartbeats stop turns NotReady after 20s (default 40s... 50s).
		mk("masters-controller-manager", "masters", hz(ports.MastersCM), "", addr(ports.MastersCM),
			cmArgs(p.masters, ports.MastersCM, "--node-monitor-grace-period=20s", "--node-monitor-period=2s")),
		mk("masters-scheduler", "masters", hz(ports.MastersScheduler), "", addr(ports.MastersScheduler), schedArgs(p.masters, ports.MastersScheduler)),
		mk("kwok", "workers", "https://"+kwokAddr+"/healthz", "", kwokAddr, []string{kwokBin, "--kubeconfig=" + p.workers.adminKubeconfig,
			"--config=" + kwokConfig(filepath.Join(kwokDir, "stages")),
			"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
			"--node-ip=127.0.0.1", "--node-port=" + strconv.Itoa(ports.Kwok), "--server-address=" + kwokAddr,
			"--tls-cert-file=" + p.kwokServing.Cert, "--tls-private-key-file=" + p.kwokServing.Key,
			"--node-lease-duration-seconds=40", "--enable-crds=Logs", "--cidr=10.244.0.1/16"}),
		mk("podrunner", "workers", "file://"+filepath.Join(dir, "podrunner", "ready"), "", "", []string{selfBin, "podrunner", "--dir=" + dir,
			"--kubeconfig=" + p.workers.adminKubeconfig, "--kubemark=" + labBin,
			"--port-base=" + strconv.Itoa(ports.HollowBase), "--port-count=" + strconv.Itoa(ports.HollowCount),
			fmt.Sprintf("--forward-ports=%d,%d", ports.MastersAPI, ports.WorkersAPI),
			"--hollow-namespaces=" + strings.Join(hollowNamespaces(), ",")}),
	}
}
