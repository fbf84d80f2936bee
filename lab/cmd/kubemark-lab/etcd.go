package main

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/component-base/version"
)

func k8sVersion() string { return version.Get().GitVersion }

// runEtcd runs an embedded single-member etcd on loopback. With --cert-file/--key-file it
// serves clients and its peer port over TLS; with --client-cert-auth it accepts only clients
// (and peers) presenting a certificate signed by --trusted-ca-file.
func runEtcd(args []string) int {
	fs := flag.NewFlagSet("etcd", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "etcd-data", "etcd data directory")
	clientURL := fs.String("listen-client-url", "http://127.0.0.1:23790", "client URL")
	peerURL := fs.String("listen-peer-url", "http://127.0.0.1:23800", "peer URL")
	quota := fs.Int64("quota-backend-bytes", 2<<30, "backend quota")
	certFile := fs.String("cert-file", "", "TLS serving certificate (clients and peer)")
	keyFile := fs.String("key-file", "", "TLS serving key")
	caFile := fs.String("trusted-ca-file", "", "CA of the client certificates")
	clientCertAuth := fs.Bool("client-cert-auth", false, "require a client certificate signed by --trusted-ca-file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cu, err := url.Parse(*clientURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd: bad --listen-client-url:", err)
		return 2
	}
	pu, err := url.Parse(*peerURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd: bad --listen-peer-url:", err)
		return 2
	}
	cfg := embed.NewConfig()
	cfg.Name = "kubemark-lab"
	cfg.Dir = *dataDir
	cfg.ListenClientUrls = []url.URL{*cu}
	cfg.AdvertiseClientUrls = []url.URL{*cu}
	cfg.ListenPeerUrls = []url.URL{*pu}
	cfg.AdvertisePeerUrls = []url.URL{*pu}
	cfg.InitialCluster = cfg.Name + "=" + pu.String()
	cfg.QuotaBackendBytes = *quota
	cfg.LogLevel = "warn"
	cfg.AutoCompactionMode = "periodic"
	cfg.AutoCompactionRetention = "5m"
	if *certFile != "" {
		if *clientCertAuth && *caFile == "" {
			fmt.Fprintln(os.Stderr, "etcd: --client-cert-auth needs --trusted-ca-file")
			return 2
		}
		for _, tls := range []*transport.TLSInfo{&cfg.ClientTLSInfo, &cfg.PeerTLSInfo} {
			tls.CertFile, tls.KeyFile, tls.TrustedCAFile, tls.ClientCertAuth = *certFile, *keyFile, *caFile, *clientCertAuth
		}
	}
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "etcd: start failed:", err)
		return 1
	}
	defer e.Close()
	select {
	case <-e.Server.ReadyNotify():
		fmt.Fprintf(os.Stderr, "etcd: ready, serving clients on %s\n", cu.String())
	case <-time.After(60 * time.Second):
		e.Server.Stop()
		fmt.Fprintln(os.Stderr, "etcd: not ready after 60s")
		return 1
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case s := <-sig:
		fmt.Fprintf(os.Stderr, "etcd: %v, stopping\n", s)
		return 0
	case err := <-e.Err():
		fmt.Fprintln(os.Stderr, "etcd: error:", err)
		return 1
	}
}
