package main

// The lab's ports: outside the kernel's ephemeral range, and free, before anything starts.

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// checkPorts fails when a port of the lab lies in the kernel's ephemeral range (where an
// outgoing connection may take it at any time) or is taken.
func checkPorts(p Ports) error {
	lo, hi := ephemeralRange()
	if err := checkPortRange(p, lo, hi); err != nil {
		return err
	}
	var bad []string
	for _, s := range portSpecs {
		if s.env == "KUBEMARK_LAB_HOLLOW_PORT_BASE" {
			continue
		}
		port := *s.ptr(&p)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			bad = append(bad, fmt.Sprintf("  port %d (%s) on 127.0.0.1 is taken: %v  -> free it, or set %s (or KUBEMARK_LAB_PORT_OFFSET)", port, s.name, err, s.env))
			continue
		}
		ln.Close()
	}
	if len(bad) > 0 {
		return fmt.Errorf("cannot start the lab, ports in use:\n%s", strings.Join(bad, "\n"))
	}
	return nil
}

// checkPortRange refuses ports in the ephemeral range lo-hi.
func checkPortRange(p Ports, lo, hi int) error {
	var bad []string
	for _, s := range portSpecs {
		first := *s.ptr(&p)
		last := first
		if s.env == "KUBEMARK_LAB_HOLLOW_PORT_BASE" {
			last = first + p.HollowCount - 1
		}
		if first <= hi && last >= lo {
			what := strconv.Itoa(first)
			if last != first {
				what = fmt.Sprintf("%d-%d", first, last)
			}
			bad = append(bad, fmt.Sprintf("  port %s (%s, %s)", what, s.name, s.env))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("cannot start the lab: these ports lie in the kernel's ephemeral port range %d-%d (/proc/sys/net/ipv4/ip_local_port_range), "+
		"where any outgoing connection may take them:\n%s\n"+
		"-> use a smaller KUBEMARK_LAB_PORT_OFFSET (the defaults 23790-27459 and 30000-30099 plus the offset must stay below %d: offsets up to %d), or set the variables named above; nothing was started",
		lo, hi, strings.Join(bad, "\n"), lo, maxOffsetBelow(lo))
}

// maxOffsetBelow is the largest multiple of 100 that keeps every default port below lo.
func maxOffsetBelow(lo int) int {
	off := (lo - 1 - (30000 + 99)) / 100 * 100
	if off < 0 {
		return 0
	}
	return off
}

func ephemeralRange() (lo, hi int) {
	lo, hi = 32768, 60999
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if a, err := strconv.Atoi(f[0]); err == nil {
				lo = a
			}
			if b, err := strconv.Atoi(f[1]); err == nil {
				hi = b
			}
		}
	}
	return lo, hi
}
