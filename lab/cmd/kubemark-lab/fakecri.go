package main

// kubemark-lab fake-cri --endpoint=unix:///path/containerd.sock
//
// Serves k8s.io/kubernetes' fake CRI runtime and image services (the same
// k8s.io/cri-client/pkg/fake the hollow kubelet uses for its own runtime) on a
// unix socket: the lab's stand-in for a node's containerd, for hollow kubelets
// that run with --use-host-image-service (the default) and mount the node's
// /run/containerd, as upstream manifests do.

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	fakeremote "k8s.io/cri-client/pkg/fake"
)

func runFakeCRI(args []string) int {
	fs := flag.NewFlagSet("fake-cri", flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "unix:///path/to/containerd.sock to serve the fake CRI runtime and image services on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if !strings.HasPrefix(*endpoint, "unix://") {
		fmt.Fprintln(os.Stderr, "kubemark-lab fake-cri: --endpoint=unix:///path/to/containerd.sock is required")
		return 2
	}
	f := fakeremote.NewFakeRemoteRuntime()
	// Like containerd, report an image filesystem (the fake reports none, and the
	// kubelet's eviction manager then logs "imagefs device is not found" every 10 s).
	f.ImageService.SetFakeFilesystemUsage([]*runtimeapi.FilesystemUsage{{
		Timestamp:  time.Now().UnixNano(),
		FsId:       &runtimeapi.FilesystemIdentifier{Mountpoint: "/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs"},
		UsedBytes:  &runtimeapi.UInt64Value{},
		InodesUsed: &runtimeapi.UInt64Value{},
	}})
	if err := f.Start(*endpoint); err != nil {
		fmt.Fprintf(os.Stderr, "kubemark-lab fake-cri: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "kubemark-lab fake-cri: serving the fake CRI runtime and image services on %s\n", *endpoint)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	f.Stop()
	_ = os.Remove(strings.TrimPrefix(*endpoint, "unix://"))
	return 0
}
