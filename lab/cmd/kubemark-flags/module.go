package main

import "runtime/debug"

// moduleVersion is the k8s.io/kubernetes module this binary was built from (lab/go.mod).
func moduleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, m := range info.Deps {
		if m.Path == "k8s.io/kubernetes" {
			return m.Version
		}
	}
	return "unknown"
}
