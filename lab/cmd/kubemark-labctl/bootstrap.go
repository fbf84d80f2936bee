package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
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

// What up prepares before anything runs (certificates, kubeconfigs) and what it puts into
// the workers cluster once its apiserver answers (KWOK's CRDs and nodes).

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
	return p, writeKubeconfig(cfg, p.adminKubeconfig)
}

// etcdPKI: etcd's own CA, its serving certificate (also its peer certificate) and one client
// certificate for each apiserver and for labctl's health checks. etcd accepts no client
// without a certificate of this CA.
type etcdPKI struct {
	ca, server                     *keyPair
	workers, masters, healthClient *keyPair
}

func makeEtcdPKI(dir string) (*etcdPKI, error) {
	d := filepath.Join(dir, "pki", "etcd")
	ca, err := ensureCA(filepath.Join(d, "ca"), "kubemark-lab-etcd-ca")
	if err != nil {
		return nil, err
	}
	p := &etcdPKI{ca: ca}
	if p.server, err = ensureLeaf(ca, filepath.Join(d, "server"), "etcd", nil, true, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		kp   **keyPair
		name string
	}{{&p.workers, "workers-apiserver"}, {&p.masters, "masters-apiserver"}, {&p.healthClient, "labctl"}} {
		if *c.kp, err = ensureLeaf(ca, filepath.Join(d, c.name+"-client"), "kubemark-lab-"+c.name, nil, false, nil, nil); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// workersToken returns the workers cluster's admin token (tokens.csv), made once.
func workersToken(wp *clusterPKI) (token, file string, err error) {
	file = filepath.Join(wp.dir, "tokens.csv")
	if b, err := os.ReadFile(file); err == nil {
		token = strings.SplitN(string(b), ",", 2)[0]
	}
	if token == "" {
		token = randHex(24)
		if err := os.WriteFile(file, []byte(token+",kubemark-lab-token-admin,kubemark-lab-token-admin,\"system:masters\"\n"), 0o600); err != nil {
			return "", "", err
		}
	}
	return token, file, nil
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
	return writeKubeconfig(cfg, path)
}

// writeKubeconfig writes a kubeconfig 0600 (it holds keys and tokens).
func writeKubeconfig(cfg *clientcmdapi.Config, path string) error {
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, b)
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
