// Command kubemark-lab is a multi-call binary holding the Kubernetes components
// the local kubemark lab runs, each as its own process:
//
//	kubemark-lab apiserver          ... (kube-apiserver flags)
//	kubemark-lab controller-manager ... (kube-controller-manager flags)
//	kubemark-lab scheduler          ... (kube-scheduler flags)
//	kubemark-lab kubemark           ... (hollow node: --morph=kubelet|proxy ...)
//	kubemark-lab etcd               ... (embedded etcd, see etcd.go)
//	kubemark-lab kubectl            ... (kubectl of the same Kubernetes release)
//	kubemark-lab fake-cri --endpoint=unix:///...  (a node's fake containerd, see fakecri.go)
//
// It is also reachable under the names kube-apiserver, kube-controller-manager,
// kube-scheduler, kubemark, kubectl and etcd (argv[0] dispatch), so a symlink works too.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata"

	"github.com/spf13/cobra"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	kubectl "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubemark "k8s.io/kubernetes/cmd/kubemark/app"
)

var commands = map[string]func() *cobra.Command{
	"apiserver":               apiserver.NewAPIServerCommand,
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"controller-manager":      controllermanager.NewControllerManagerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"scheduler":               func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kubemark":                kubemark.NewHollowNodeCommand,
	"hollow-node":             kubemark.NewHollowNodeCommand,
	"kubectl":                 kubectl.NewDefaultKubectlCommand,
}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: kubemark-lab {apiserver|controller-manager|scheduler|kubemark|kubectl|etcd|fake-cri|version} [flags]\n")
	os.Exit(2)
}

func main() {
	name := filepath.Base(os.Args[0])
	args := os.Args[1:]
	if name == "kubemark-lab" || strings.HasPrefix(name, "kubemark-lab") {
		if len(args) == 0 {
			usage()
		}
		name, args = args[0], args[1:]
	}
	switch name {
	case "etcd":
		os.Exit(runEtcd(args))
	case "fake-cri":
		os.Exit(runFakeCRI(args))
	case "version", "--version":
		fmt.Println(k8sVersion())
		return
	}
	mk, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "kubemark-lab: unknown component %q\n", name)
		usage()
	}
	os.Args = append([]string{name}, args...)
	if name == "kubectl" {
		logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) // nolint:errcheck // as k8s.io/kubernetes/cmd/kubectl
	}
	cmd := mk()
	cmd.SetArgs(args)
	if name == "kubectl" {
		// as k8s.io/kubernetes/cmd/kubectl: kubectl prints its own errors
		if err := cli.RunNoErrOutput(cmd); err != nil {
			util.CheckErr(err)
		}
		return
	}
	os.Exit(cli.Run(cmd))
}
