package main

// The pod runner lives in lab/internal/podrunner; these are its verbs.

import "kubemark-workbench/lab/internal/podrunner"

func cmdPodRunner(args []string) error {
	return podrunner.Main(args, labDir(), binDir()+"/kubemark-lab", markerEnv)
}

// cmdContainer isolates one container process (internal, started by the pod runner).
func cmdContainer(args []string) error { return podrunner.ContainerExec(args) }
