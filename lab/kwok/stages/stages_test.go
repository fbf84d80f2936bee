// Package stages holds the lab's KWOK stages (the YAML files, passed to kwok --config);
// this test renders them with KWOK's own template renderer and applies the result as KWOK
// does (a strategic merge patch of the Node's status).
package stages

import (
	"encoding/json"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/kwok/pkg/utils/gotpl"
	"sigs.k8s.io/yaml"
)

func statusTemplate(t *testing.T, file string) string {
	t.Helper()
	var st struct {
		Spec struct {
			Next struct {
				StatusTemplate string `json:"statusTemplate"`
			} `json:"next"`
		} `json:"spec"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.Spec.Next.StatusTemplate
}

// playStage renders a stage for node n as the lab's KWOK does (--node-ip=127.0.0.1, no
// --node-name) and returns the node after KWOK's status patch.
func playStage(t *testing.T, file string, n *corev1.Node) *corev1.Node {
	t.Helper()
	r := gotpl.NewRenderer(gotpl.FuncMap{"NodeIP": func() string { return "127.0.0.1" }, "NodeName": func() string { return "" }, "NodePort": func() int { return 26250 }})
	status, err := r.ToJSON(statusTemplate(t, file), n)
	if err != nil {
		t.Fatal(err)
	}
	patch, _ := json.Marshal(map[string]json.RawMessage{"status": status})
	orig, _ := json.Marshal(n)
	out, err := strategicpatch.StrategicMergePatch(orig, patch, corev1.Node{})
	if err != nil {
		t.Fatal(err)
	}
	var res corev1.Node
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// node-initialize runs again whenever a KWOK node is not Ready (after the lab's apiserver or
// etcd was stopped, the node lifecycle controller sets Ready Unknown). It once rendered
// "addresses: null" for a node with an InternalIP but no Hostname, which deleted every
// address: the workers apiserver then answered log requests with 500 "no preferred
// addresses found". It must keep the node's addresses and add what is missing.
func TestNodeInitializeKeepsAddresses(t *testing.T) {
	ip := corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}
	host := corev1.NodeAddress{Type: corev1.NodeHostName, Address: "kwok-worker-0"}
	for _, before := range [][]corev1.NodeAddress{nil, {ip}, {host}, {ip, host}} {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kwok-worker-0"}, Status: corev1.NodeStatus{Addresses: before,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown"}}}}
		after := playStage(t, "node-initialize.yaml", n)
		got := map[corev1.NodeAddressType]string{}
		for _, a := range after.Status.Addresses {
			got[a.Type] = a.Address
		}
		if len(after.Status.Addresses) != 2 || got[corev1.NodeInternalIP] != "127.0.0.1" || got[corev1.NodeHostName] != "kwok-worker-0" {
			t.Errorf("addresses %v -> %v, want InternalIP 127.0.0.1 and Hostname kwok-worker-0", before, after.Status.Addresses)
		}
		for _, c := range after.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue {
				t.Errorf("Ready is %s after node-initialize", c.Status)
			}
		}
	}
}

func TestNodeHeartbeatKeepsAddresses(t *testing.T) {
	addrs := []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: "kwok-worker-0"}}
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kwok-worker-0"}, Status: corev1.NodeStatus{Addresses: addrs, Phase: corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	if after := playStage(t, "node-heartbeat-with-lease.yaml", n); len(after.Status.Addresses) != 2 {
		t.Errorf("heartbeat: addresses %v -> %v", addrs, after.Status.Addresses)
	}
}
