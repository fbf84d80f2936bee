package podrunner

// A container's environment, resolved like the kubelet does it: envFrom, then
// env in order ($(VAR) in values refers to earlier variables), read from the
// real ConfigMaps, Secrets and the pod at each container start.

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

type envVar struct{ name, value string }

// resolveEnv computes a container's environment like the kubelet does
// (envFrom, then env in order; $(VAR) in values refers to earlier variables).
func (r *Runner) resolveEnv(ctx context.Context, p *corev1.Pod, c *corev1.Container) ([]envVar, error) {
	vals := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vals[k]; !ok {
			order = append(order, k)
		}
		vals[k] = v
	}
	for _, ef := range c.EnvFrom {
		switch {
		case ef.ConfigMapRef != nil:
			cm, err := r.cs.CoreV1().ConfigMaps(p.Namespace).Get(ctx, ef.ConfigMapRef.Name, metav1.GetOptions{})
			if err != nil {
				if ef.ConfigMapRef.Optional != nil && *ef.ConfigMapRef.Optional {
					continue
				}
				return nil, fmt.Errorf("CreateContainerConfigError: configmap %q not found", ef.ConfigMapRef.Name)
			}
			for k, v := range cm.Data {
				set(ef.Prefix+k, v)
			}
		case ef.SecretRef != nil:
			s, err := r.cs.CoreV1().Secrets(p.Namespace).Get(ctx, ef.SecretRef.Name, metav1.GetOptions{})
			if err != nil {
				if ef.SecretRef.Optional != nil && *ef.SecretRef.Optional {
					continue
				}
				return nil, fmt.Errorf("CreateContainerConfigError: secret %q not found", ef.SecretRef.Name)
			}
			for k, v := range s.Data {
				set(ef.Prefix+k, string(v))
			}
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			set(e.Name, expansion.Expand(e.Value, expansion.MappingFuncFor(vals)))
			continue
		}
		v, skip, err := r.envValueFrom(ctx, p, c, e.ValueFrom)
		if err != nil {
			return nil, err
		}
		if !skip {
			set(e.Name, v)
		}
	}
	out := make([]envVar, 0, len(order))
	for _, k := range order {
		out = append(out, envVar{k, vals[k]})
	}
	return out, nil
}

func (r *Runner) envValueFrom(ctx context.Context, p *corev1.Pod, c *corev1.Container, vf *corev1.EnvVarSource) (string, bool, error) {
	switch {
	case vf.FieldRef != nil:
		v, err := podField(p, vf.FieldRef.FieldPath)
		return v, false, err
	case vf.ConfigMapKeyRef != nil:
		ref := vf.ConfigMapKeyRef
		optional := ref.Optional != nil && *ref.Optional
		cm, err := r.cs.CoreV1().ConfigMaps(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: configmap %q not found", ref.Name)
		}
		v, ok := cm.Data[ref.Key]
		if !ok {
			if b, ok2 := cm.BinaryData[ref.Key]; ok2 {
				return string(b), false, nil
			}
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: couldn't find key %s in ConfigMap %s/%s", ref.Key, p.Namespace, ref.Name)
		}
		return v, false, nil
	case vf.SecretKeyRef != nil:
		ref := vf.SecretKeyRef
		optional := ref.Optional != nil && *ref.Optional
		s, err := r.cs.CoreV1().Secrets(p.Namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: secret %q not found", ref.Name)
		}
		b, ok := s.Data[ref.Key]
		if !ok {
			if optional {
				return "", true, nil
			}
			return "", false, fmt.Errorf("CreateContainerConfigError: couldn't find key %s in Secret %s/%s", ref.Key, p.Namespace, ref.Name)
		}
		return string(b), false, nil
	case vf.ResourceFieldRef != nil:
		return resourceField(c, vf.ResourceFieldRef), false, nil
	}
	return "", true, nil
}

func podField(p *corev1.Pod, fp string) (string, error) {
	switch fp {
	case "metadata.name":
		return p.Name, nil
	case "metadata.namespace":
		return p.Namespace, nil
	case "metadata.uid":
		return string(p.UID), nil
	case "spec.nodeName":
		return p.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return p.Spec.ServiceAccountName, nil
	case "status.podIP":
		return p.Status.PodIP, nil
	case "status.hostIP":
		return p.Status.HostIP, nil
	case "status.podIPs":
		var ips []string
		for _, ip := range p.Status.PodIPs {
			ips = append(ips, ip.IP)
		}
		return strings.Join(ips, ","), nil
	case "status.hostIPs":
		var ips []string
		for _, ip := range p.Status.HostIPs {
			ips = append(ips, ip.IP)
		}
		return strings.Join(ips, ","), nil
	}
	for _, pre := range []struct {
		prefix string
		m      map[string]string
	}{{"metadata.labels['", p.Labels}, {"metadata.annotations['", p.Annotations}} {
		if strings.HasPrefix(fp, pre.prefix) && strings.HasSuffix(fp, "']") {
			return pre.m[strings.TrimSuffix(strings.TrimPrefix(fp, pre.prefix), "']")], nil
		}
	}
	if fp == "metadata.labels" || fp == "metadata.annotations" {
		m := p.Labels
		if fp == "metadata.annotations" {
			m = p.Annotations
		}
		var keys []string
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var lines []string
		for _, k := range keys {
			lines = append(lines, fmt.Sprintf("%s=%q", k, m[k]))
		}
		return strings.Join(lines, "\n"), nil
	}
	return "", fmt.Errorf("CreateContainerConfigError: unsupported fieldRef %q", fp)
}

func resourceField(c *corev1.Container, ref *corev1.ResourceFieldSelector) string {
	parts := strings.SplitN(ref.Resource, ".", 2)
	if len(parts) != 2 {
		return ""
	}
	list := c.Resources.Requests
	if parts[0] == "limits" {
		list = c.Resources.Limits
	}
	q, ok := list[corev1.ResourceName(parts[1])]
	if !ok {
		return "0"
	}
	div := ref.Divisor
	if div.IsZero() {
		if parts[1] == "cpu" {
			return strconv.FormatInt((q.MilliValue()+999)/1000, 10)
		}
		return strconv.FormatInt(q.Value(), 10)
	}
	if parts[1] == "cpu" {
		return strconv.FormatInt((q.MilliValue()+div.MilliValue()-1)/div.MilliValue(), 10)
	}
	return strconv.FormatInt((q.Value()+div.Value()-1)/div.Value(), 10)
}


// processEnv is the environment of a container process: a container's usual
// variables, its resolved env and the lab's markers (how the pod runner
// recognises its own processes after a restart).
func (r *Runner) processEnv(pr *podRun, p *corev1.Pod, container string, env []envVar) []string {
	out := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + filepath.Join(pr.dir, "home"),
		"HOSTNAME=" + p.Name,
		"TMPDIR=" + filepath.Join(pr.dir, "tmp"),
	}
	for _, e := range env {
		out = append(out, e.name+"="+e.value)
	}
	return append(out, r.cfg.Marker+"="+r.cfg.Dir, PodMarkerEnv+"="+pr.key+"/"+string(pr.uid)+"/"+container)
}
