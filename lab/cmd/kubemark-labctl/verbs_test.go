package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestResolveComponents(t *testing.T) {
	st := &LabState{}
	for _, n := range shutdownOrder {
		st.Components = append(st.Components, Component{Name: n})
	}
	got, err := resolveComponents(st, []string{"apiservers", "etcd", "workers-apiserver"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"workers-apiserver", "masters-apiserver", "etcd"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v (groups expanded, duplicates dropped, order kept)", got, want)
	}
	var ec exitCoder
	for _, args := range [][]string{{"nope"}, {}} {
		_, err := resolveComponents(st, args)
		if !errors.As(err, &ec) || ec.ExitCode() != exitUsage || !strings.Contains(err.Error(), "etcd") {
			t.Fatalf("%v: %v, want a usage error listing the components", args, err)
		}
	}
}

func TestDefaultPortsBelowTheEphemeralRange(t *testing.T) {
	t.Setenv("KUBEMARK_LAB_PORT_OFFSET", "2000")
	p := loadPorts()
	lo, _ := ephemeralRange()
	for _, s := range portSpecs {
		if port := *s.ptr(&p); port >= lo {
			t.Errorf("%s: port %d lies in the ephemeral range (from %d)", s.name, port, lo)
		}
	}
	if p.HollowBase+p.HollowCount-1 >= lo {
		t.Errorf("hollow kubelet ports %d+%d reach the ephemeral range", p.HollowBase, p.HollowCount)
	}
}

// `up` refuses a port in the ephemeral range, naming it and saying what to change.
func TestUpRefusesPortsInTheEphemeralRange(t *testing.T) {
	t.Setenv("KUBEMARK_LAB_PORT_OFFSET", "6000")
	err := checkPortRange(loadPorts(), 32768, 60999)
	if err == nil {
		t.Fatal("offset 6000 (masters apiserver at 33443) was accepted")
	}
	for _, want := range []string{"port 33443 (masters apiserver, KUBEMARK_LAB_MASTERS_PORT)", "port 36000-36099 (first hollow-kubelet port", "32768-60999", "KUBEMARK_LAB_PORT_OFFSET", "offsets up to 2600"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "29790") {
		t.Errorf("etcd (29790) is not in the range but was named: %v", err)
	}
	t.Setenv("KUBEMARK_LAB_PORT_OFFSET", "600")
	if err := checkPortRange(loadPorts(), 32768, 60999); err != nil {
		t.Fatalf("offset 600: %v", err)
	}
	// a machine with a wider ephemeral range: the default ports are refused too
	t.Setenv("KUBEMARK_LAB_PORT_OFFSET", "0")
	if err := checkPortRange(loadPorts(), 27000, 60999); err == nil || !strings.Contains(err.Error(), "27443") {
		t.Fatalf("range from 27000: %v", err)
	}
}
