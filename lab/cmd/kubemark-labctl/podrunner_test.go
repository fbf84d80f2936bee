package main

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

var testMounts = []mount{
	{containerPath: "/kubeconfig/sub", hostPath: "/lab/pods/p/volumes/sub"},
	{containerPath: "/kubeconfig", hostPath: "/lab/pods/p/volumes/kubeconfig-volume"},
	{containerPath: "/etc/kc", hostPath: "/lab/pods/p/volumes/kc"},
}

func TestRewritePaths(t *testing.T) {
	for in, want := range map[string]string{
		"--kubeconfig=/kubeconfig/kubelet.kubeconfig": "--kubeconfig=/lab/pods/p/volumes/kubeconfig-volume/kubelet.kubeconfig",
		"/kubeconfig":                     "/lab/pods/p/volumes/kubeconfig-volume",
		"/kubeconfig/sub/x":               "/lab/pods/p/volumes/sub/x",
		"--a=/kubeconfigs/x":              "--a=/kubeconfigs/x", // not under the mount
		"--a=/opt/kubeconfig/x":           "--a=/opt/kubeconfig/x",
		"--files=/etc/kc/a,/kubeconfig/b": "--files=/lab/pods/p/volumes/kc/a,/lab/pods/p/volumes/kubeconfig-volume/b",
		"--morph=kubelet":                 "--morph=kubelet",
	} {
		if got := rewritePaths(in, testMounts); got != want {
			t.Errorf("rewritePaths(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRewriteKubemark(t *testing.T) {
	w := "/lab/pods/p/bin/kubemark"
	for in, want := range map[string]string{
		"/kubemark --morph=kubelet":                   w + " --morph=kubelet",
		"exec ./kubemark --morph=proxy 2>&1":          "exec " + w + " --morph=proxy 2>&1",
		"/usr/local/bin/kubemark --v=2; echo done":    w + " --v=2; echo done",
		"kubemark --name=$(NODE_NAME)":                w + " --name=$(NODE_NAME)",
		"/go-runner --log-file=/var/log/kubemark.log": "/go-runner --log-file=/var/log/kubemark.log",
	} {
		if got := rewriteKubemark(in, w); got != want {
			t.Errorf("rewriteKubemark(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContainerArgv(t *testing.T) {
	env := []envVar{{"NODE_NAME", "hollow-node-0"}, {"CONTENT_TYPE", "application/vnd.kubernetes.protobuf"}}
	w := "/lab/pods/p/bin/kubemark"
	cases := []struct {
		name string
		c    corev1.Container
		want []string
	}{
		{"exec form", corev1.Container{Command: []string{"/kubemark"}, Args: []string{"--morph=kubelet", "--name=$(NODE_NAME)", "--kubeconfig=/kubeconfig/kubelet.kubeconfig", "--kube-api-content-type=$(CONTENT_TYPE)", "--x=$$(NODE_NAME)", "--y=$(UNKNOWN)"}},
			[]string{w, "--morph=kubelet", "--name=hollow-node-0", "--kubeconfig=/lab/pods/p/volumes/kubeconfig-volume/kubelet.kubeconfig", "--kube-api-content-type=application/vnd.kubernetes.protobuf", "--x=$(NODE_NAME)", "--y=$(UNKNOWN)"}},
		{"image entrypoint", corev1.Container{Args: []string{"--morph=proxy", "--name=$(NODE_NAME)"}},
			[]string{w, "--morph=proxy", "--name=hollow-node-0"}},
		{"go-runner", corev1.Container{Command: []string{"/go-runner", "--log-file=/var/log/k.log", "/kubemark"}, Args: []string{"--morph=proxy"}},
			[]string{w, "--morph=proxy"}},
		{"shell form", corev1.Container{Command: []string{"/bin/sh", "-c", "/kubemark --morph=kubelet --name=$(NODE_NAME) --kubeconfig=/kubeconfig/k $(CONTENT_TYPE)"}},
			[]string{"/bin/sh", "-c", w + " --morph=kubelet --name=hollow-node-0 --kubeconfig=/lab/pods/p/volumes/kubeconfig-volume/k application/vnd.kubernetes.protobuf"}},
	}
	for _, tc := range cases {
		got, err := containerArgv(&tc.c, env, testMounts, w)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
	if _, err := containerArgv(&corev1.Container{Command: []string{"/bin/agent"}, Args: []string{"--morph=kubelet"}}, env, nil, w); err == nil {
		t.Error("a command without kubemark should fail")
	}
}

func TestKubemarkContainer(t *testing.T) {
	yes := []corev1.Container{
		{Command: []string{"/kubemark"}, Args: []string{"--morph=kubelet"}},
		{Args: []string{"--morph=proxy"}},
		{Command: []string{"sh", "-c", "/kubemark --morph=kubelet"}},
	}
	no := []corev1.Container{
		{Command: []string{"sysctl", "-w", "fs.inotify.max_user_instances=1000"}},
		{Command: []string{"/kubemark"}},
		{Command: []string{"/bin/app"}, Args: []string{"--morph=x"}},
	}
	for _, c := range yes {
		if !kubemarkContainer(&c) {
			t.Errorf("%v should be a kubemark container", c.Command)
		}
	}
	for _, c := range no {
		if kubemarkContainer(&c) {
			t.Errorf("%v should not be a kubemark container", c.Command)
		}
	}
}
