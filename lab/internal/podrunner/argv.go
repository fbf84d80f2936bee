package podrunner

// Command lines: which containers the lab runs (kubemark only), and how a
// container's command/args become the host command line of a kubemark process.

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// IsKubemarkContainer reports whether c runs a kubemark binary with --morph.
func IsKubemarkContainer(c *corev1.Container) bool {
	all := append(append([]string{}, c.Command...), c.Args...)
	morph, km := false, len(c.Command) == 0
	for _, a := range all {
		if strings.Contains(a, "--morph") {
			morph = true
		}
		if strings.Contains(a, "kubemark") {
			km = true
		}
	}
	return morph && km
}

// IsHollowPod reports whether at least one container of p runs kubemark.
func IsHollowPod(p *corev1.Pod) bool {
	for i := range p.Spec.Containers {
		if IsKubemarkContainer(&p.Spec.Containers[i]) {
			return true
		}
	}
	return false
}

// redirect is a shell output redirection of the kubemark command line.
type redirect struct {
	fd     int    // 1 or 2
	file   string // host path ("" with toFd)
	toFd   int    // 2>&1: 1
	append bool
}

// launch is what runs for a container: kubemark's arguments and where its output goes.
type launch struct {
	args      []string // after the kubemark binary
	redirects []redirect
}

func isShell(s string) bool {
	switch path.Base(s) {
	case "sh", "bash", "ash", "dash", "zsh", "ksh", "busybox":
		return true
	}
	return false
}

// containerLaunch builds the kubemark command line of a container: $(VAR)
// expanded from its env as Kubernetes does, paths under the container's
// mounts mapped to the host. Shell form (sh -c "...") is parsed, never run
// through a shell: only one kubemark command with optional `exec` and output
// redirections is accepted, so a pod can never make the lab run another
// program.
func containerLaunch(c *corev1.Container, env []envVar, mounts []mount) (*launch, error) {
	m := map[string]string{}
	for _, e := range env {
		m[e.name] = e.value
	}
	mapping := expansion.MappingFuncFor(m)
	var full []string
	for _, s := range append(append([]string{}, c.Command...), c.Args...) {
		full = append(full, expansion.Expand(s, mapping))
	}
	if len(c.Command) == 0 {
		// the kubemark image's own entrypoint is /kubemark
		return &launch{args: rewriteAll(full, mounts)}, nil
	}
	if isShell(full[0]) {
		rest := full[1:]
		if path.Base(full[0]) == "busybox" && len(rest) > 0 && isShell(rest[0]) {
			rest = rest[1:]
		}
		if len(rest) < 2 || rest[0] != "-c" {
			return nil, fmt.Errorf("RunContainerError: the lab runs shell-form commands only as `sh -c \"/kubemark ...\"`; got %q", strings.Join(full, " "))
		}
		return parseShellLaunch(rest[1], m, mounts)
	}
	// exec form: wrappers such as go-runner up to the kubemark binary
	for i, a := range full {
		if path.Base(a) == "kubemark" {
			return &launch{args: rewriteAll(full[i+1:], mounts), redirects: goRunnerRedirects(full[:i], mounts)}, nil
		}
	}
	return nil, fmt.Errorf("RunContainerError: cannot find the kubemark binary in command %q", strings.Join(full, " "))
}

// parseShellLaunch accepts `[exec] [go-runner ...] /kubemark ARGS... [REDIRECTIONS]`.
// Words may be quoted; $VAR and ${VAR} are expanded from the container env.
func parseShellLaunch(script string, env map[string]string, mounts []mount) (*launch, error) {
	words, err := shellWords(script, env)
	if err != nil {
		return nil, fmt.Errorf("RunContainerError: the lab cannot run this shell script (%v): %q", err, script)
	}
	l := &launch{}
	seen := false
	var prefix []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w.op {
			r, skip, err := parseRedirect(w.s, words[i+1:], mounts)
			if err != nil {
				return nil, fmt.Errorf("RunContainerError: %v in %q", err, script)
			}
			l.redirects = append(l.redirects, r)
			i += skip
			continue
		}
		if !seen {
			if path.Base(w.s) == "kubemark" {
				seen = true
				l.redirects = append(goRunnerRedirects(prefix, mounts), l.redirects...)
			}
			prefix = append(prefix, w.s) // exec, go-runner and its flags
			continue
		}
		l.args = append(l.args, rewritePaths(w.s, mounts))
	}
	if !seen {
		return nil, fmt.Errorf("RunContainerError: no kubemark command in the shell script %q (the lab runs only kubemark)", script)
	}
	return l, nil
}

// goRunnerRedirects reads the flags of a go-runner wrapper (registry.k8s.io's
// kubemark image runs kubemark through it): with -log-file=F the output goes
// to F (appended), stderr too unless -redirect-stderr=false; -also-stdout keeps
// it in the container log.
func goRunnerRedirects(prefix []string, mounts []mount) []redirect {
	if len(prefix) == 0 || path.Base(prefix[len(prefix)-1]) == "exec" {
		return nil
	}
	runner := -1
	for i, w := range prefix {
		if path.Base(w) == "go-runner" {
			runner = i
		}
	}
	if runner < 0 {
		return nil
	}
	logFile, alsoStdout, stderr := "", false, true
	flags := prefix[runner+1:]
	for i := 0; i < len(flags); i++ {
		name, val, hasVal := strings.Cut(strings.TrimLeft(flags[i], "-"), "=")
		switch name {
		case "log-file":
			if !hasVal && i+1 < len(flags) {
				i++
				val = flags[i]
			}
			logFile = val
		case "also-stdout":
			alsoStdout = !hasVal || val == "true"
		case "redirect-stderr":
			stderr = !hasVal || val == "true"
		}
	}
	if logFile == "" || alsoStdout {
		return nil
	}
	out := []redirect{{fd: 1, file: rewritePaths(logFile, mounts), append: true}}
	if stderr {
		out = append(out, redirect{fd: 2, toFd: 1})
	}
	return out
}

func parseRedirect(op string, rest []word, mounts []mount) (redirect, int, error) {
	r := redirect{fd: 1}
	s := op
	if s[0] == '1' || s[0] == '2' {
		r.fd = int(s[0] - '0')
		s = s[1:]
	}
	switch {
	case s == ">&1" || s == ">&2":
		r.toFd = int(s[2] - '0')
		return r, 0, nil
	case s == ">>":
		r.append = true
	case s == ">":
	default:
		return r, 0, fmt.Errorf("unsupported redirection %q", op)
	}
	if len(rest) == 0 || rest[0].op {
		return r, 0, fmt.Errorf("redirection %q without a file", op)
	}
	r.file = rewritePaths(rest[0].s, mounts)
	return r, 1, nil
}

type word struct {
	s  string
	op bool // a redirection operator
}

// shellWords splits a simple command line. Anything beyond words, quotes,
// variables and output redirections (;, |, &, $(...), backquotes, <) is refused.
func shellWords(s string, env map[string]string) ([]word, error) {
	var out []word
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			out = append(out, word{s: cur.String()})
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			flush()
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			inWord, i = true, i+1+j
		case c == '"':
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '`' || (s[j] == '$' && j+1 < len(s) && s[j+1] == '(') {
					return nil, fmt.Errorf("command substitution")
				}
				if s[j] == '$' {
					v, n := expandVar(s[j:], env)
					cur.WriteString(v)
					j += n - 1
					continue
				}
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				cur.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated quote")
			}
			inWord, i = true, j
		case c == '\\' && i+1 < len(s):
			cur.WriteByte(s[i+1])
			inWord, i = true, i+1
		case c == '$':
			if i+1 < len(s) && s[i+1] == '(' {
				return nil, fmt.Errorf("command substitution")
			}
			v, n := expandVar(s[i:], env)
			cur.WriteString(v)
			inWord, i = true, i+n-1
		case c == '>' || ((c == '1' || c == '2') && !inWord && i+1 < len(s) && s[i+1] == '>'):
			flush()
			j := i
			if c != '>' {
				j++
			}
			j++ // the '>'
			if j < len(s) && s[j] == '>' {
				j++
			} else if j+1 < len(s) && s[j] == '&' && (s[j+1] == '1' || s[j+1] == '2') {
				j += 2
			}
			out = append(out, word{s: s[i:j], op: true})
			i = j - 1
		case strings.IndexByte(";|&<`(){}", c) >= 0:
			return nil, fmt.Errorf("%q is not supported", string(c))
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return out, nil
}

// expandVar expands $NAME or ${NAME} at the start of s; it returns the value and
// how many bytes it consumed.
func expandVar(s string, env map[string]string) (string, int) {
	if len(s) > 1 && s[1] == '{' {
		if j := strings.IndexByte(s, '}'); j > 0 {
			return env[s[2:j]], j + 1
		}
		return "$", 1
	}
	j := 1
	for j < len(s) && (s[j] == '_' || (s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z') || (j > 1 && s[j] >= '0' && s[j] <= '9')) {
		j++
	}
	if j == 1 {
		return "$", 1
	}
	return env[s[1:j]], j
}

func rewriteAll(args []string, mounts []mount) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = rewritePaths(a, mounts)
	}
	return out
}

func isPathChar(b byte) bool {
	return b == '/' || b == '.' || b == '_' || b == '-' || b == '~' || b == '+' ||
		(b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
}

// rewritePaths maps every path in s that lies under a mount path to the host
// path of that mount (one pass, longest mount first).
func rewritePaths(s string, mounts []mount) string {
	if len(mounts) == 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '/' && (i == 0 || !isPathChar(s[i-1])) {
			matched := false
			for _, m := range mounts {
				cp := m.containerPath
				if cp == "/" || !strings.HasPrefix(s[i:], cp) {
					continue
				}
				end := i + len(cp)
				if end == len(s) || s[end] == '/' || !isPathChar(s[end]) {
					b.WriteString(m.hostPath)
					i, matched = end, true
					break
				}
			}
			if matched {
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
