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
