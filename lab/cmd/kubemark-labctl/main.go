// Command kubemark-labctl runs the local kubemark lab: it starts, checks and stops
// the components of lab/bin/kubemark-lab and lab/bin/kwok (verbs up, down, status,
// and the fault verbs stop, start, pause, resume of one component), it is the lab's
// supervisor (verb supervise, started by up: the parent of every component, restarting
// the crashed ones), and it is the lab's pod runner (verb podrunner), which turns
// hollow-node pods of the workers cluster into real kubemark processes.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Set by lab/build.sh.
var (
	k8sVersion  = "unknown"
	kwokVersion = "unknown"
)

const (
	ctxWorkers = "kubemark-lab-workers"
	ctxMasters = "kubemark-lab-masters"
	markerEnv  = "KUBEMARK_LAB_ID" // every process the lab starts carries KUBEMARK_LAB_ID=<abs lab dir>
	// instanceEnv: the components (and the supervisor) also carry KUBEMARK_LAB_INSTANCE=<lab.json id>,
	// a random id made by each fresh `up`.
	instanceEnv = "KUBEMARK_LAB_INSTANCE"
)

// Exit codes of the verbs (documented in lab/README.md; the fault suite relies on them).
const (
	exitFailed     = 1 // the verb failed (a component did not come up, did not stop, ...); status: the lab runs but is degraded
	exitUsage      = 2 // bad arguments: unknown verb, flag or component
	exitNotRunning = 3 // no lab runs in this state folder (no lab.json, or no supervisor)
	exitBusy       = 4 // another lab command holds the state folder's lock
	exitNotStarted = 5 // pause/resume: the component is not running (stopped or crashed)
)

func usage() {
	fmt.Fprint(os.Stderr, `usage: kubemark-labctl <verb> [flags]
  up       [--nodes N]   start etcd, the workers and masters clusters, KWOK and the pod runner under a
                         supervisor; wait until ready. On a running lab: start only what is not running
  down     [--purge]     stop the supervisor and everything the lab started; --purge also removes the state dir
  status   [--json]      report each component (state, restarts, health); exit 0 healthy, 1 degraded, 3 not running
  stop     COMPONENT...  stop components on purpose (they stay stopped until start or up)
  start    COMPONENT...  start stopped components and wait until healthy ([--timeout D] [--no-wait])
  pause    COMPONENT...  SIGSTOP a component's process group (a network partition as clients see it)
  resume   COMPONENT...  SIGCONT it again
  supervise              (internal, started by up) the supervisor
  podrunner              (internal) run hollow-node pods of the workers cluster as kubemark processes
Components: etcd, workers-apiserver, masters-apiserver, workers-controller-manager, workers-scheduler,
  masters-controller-manager, masters-scheduler, kwok, podrunner; groups: apiservers, controller-managers, schedulers.
Environment: KUBEMARK_LAB_DIR (state dir, default <repo>/.kubemark-lab), KUBEMARK_LAB_PORT_OFFSET,
  KUBEMARK_LAB_<NAME>_PORT for single ports (see lab/README.md), KUBEMARK_LAB_WORKER_NODES.
`)
	os.Exit(2)
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	verb, args := os.Args[1], os.Args[2:]
	var err error
	switch verb {
	case "up":
		err = cmdUp(args)
	case "down":
		err = cmdDown(args)
	case "status":
		err = cmdStatus(args)
	case "stop", "start", "pause", "resume":
		err = cmdFault(verb, args)
	case "supervise":
		err = cmdSupervise(args)
	case "podrunner":
		err = cmdPodRunner(args)
	case "container":
		err = cmdContainer(args)
	case "version":
		fmt.Printf("kubernetes %s, kwok %s\n", k8sVersion, kwokVersion)
	case "-h", "--help", "help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "kubemark-labctl: unknown verb %q\n", verb)
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "lab %s: %v\n", verb, err)
		var ec exitCoder
		if errors.As(err, &ec) {
			os.Exit(ec.ExitCode())
		}
		os.Exit(exitFailed)
	}
}

type exitCoder interface{ ExitCode() int }
type exitErr struct {
	code int
	msg  string
}

func (e exitErr) Error() string { return e.msg }
func (e exitErr) ExitCode() int { return e.code }

// binDir is the directory of this executable (lab/bin).
func binDir() string {
	exe, err := os.Executable()
	if err != nil {
		return "."
	}
	exe, _ = filepath.EvalSymlinks(exe)
	return filepath.Dir(exe)
}

// labDir resolves the state directory: $KUBEMARK_LAB_DIR, else <repo>/.kubemark-lab
// where <repo> is the parent of lab/.
func labDir() string {
	if d := os.Getenv("KUBEMARK_LAB_DIR"); d != "" {
		abs, err := filepath.Abs(d)
		if err == nil {
			return abs
		}
		return d
	}
	return filepath.Join(filepath.Dir(filepath.Dir(binDir())), ".kubemark-lab")
}

func envInt(name string, def int) int {
	if v := strings.TrimSpace(os.Getenv(name)); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "lab: ignoring %s=%q (not a number)\n", name, v)
	}
	return def
}

// Ports of the lab. Defaults + KUBEMARK_LAB_PORT_OFFSET, each overridable.
type Ports struct {
	EtcdClient       int `json:"etcd"`
	EtcdPeer         int `json:"etcdPeer"`
	WorkersAPI       int `json:"workersApiserver"`
	WorkersCM        int `json:"workersControllerManager"`
	WorkersScheduler int `json:"workersScheduler"`
	Kwok             int `json:"kwok"`
	MastersAPI       int `json:"mastersApiserver"`
	MastersCM        int `json:"mastersControllerManager"`
	MastersScheduler int `json:"mastersScheduler"`
	HollowBase       int `json:"hollowKubeletPortBase"`
	HollowCount      int `json:"hollowKubeletPortCount"`
}

type portSpec struct {
	env  string
	def  int
	ptr  func(*Ports) *int
	name string
}

var portSpecs = []portSpec{
	{"KUBEMARK_LAB_ETCD_PORT", 23790, func(p *Ports) *int { return &p.EtcdClient }, "etcd client"},
	{"KUBEMARK_LAB_ETCD_PEER_PORT", 23800, func(p *Ports) *int { return &p.EtcdPeer }, "etcd peer"},
	{"KUBEMARK_LAB_WORKERS_PORT", 26443, func(p *Ports) *int { return &p.WorkersAPI }, "workers apiserver"},
	{"KUBEMARK_LAB_WORKERS_CM_PORT", 26457, func(p *Ports) *int { return &p.WorkersCM }, "workers controller-manager"},
	{"KUBEMARK_LAB_WORKERS_SCHEDULER_PORT", 26459, func(p *Ports) *int { return &p.WorkersScheduler }, "workers scheduler"},
	{"KUBEMARK_LAB_KWOK_PORT", 26250, func(p *Ports) *int { return &p.Kwok }, "kwok (kubelet API of the KWOK nodes)"},
	{"KUBEMARK_LAB_MASTERS_PORT", 27443, func(p *Ports) *int { return &p.MastersAPI }, "masters apiserver"},
	{"KUBEMARK_LAB_MASTERS_CM_PORT", 27457, func(p *Ports) *int { return &p.MastersCM }, "masters controller-manager"},
	{"KUBEMARK_LAB_MASTERS_SCHEDULER_PORT", 27459, func(p *Ports) *int { return &p.MastersScheduler }, "masters scheduler"},
	{"KUBEMARK_LAB_HOLLOW_PORT_BASE", 30000, func(p *Ports) *int { return &p.HollowBase }, "first hollow-kubelet port"},
}

// Default ports lie below Linux's ephemeral range (32768-60999, /proc/sys/net/ipv4/ip_local_port_range),
// so an outgoing connection never takes one: the components at 23790-27459 + offset, the hollow
// kubelets (port-rewrite mode only) at 30000 + offset, 100 of them (the lab runs at most 100 hollow pods).

func loadPorts() Ports {
	off := envInt("KUBEMARK_LAB_PORT_OFFSET", 0)
	var p Ports
	for _, s := range portSpecs {
		*s.ptr(&p) = envInt(s.env, s.def+off) // hollow ranges of 100 ports do not overlap for offsets 100, 200, ...
	}
	p.HollowCount = envInt("KUBEMARK_LAB_HOLLOW_PORT_COUNT", 100)
	return p
}
