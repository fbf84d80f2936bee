package podrunner

import (
	"os"
	"path/filepath"
	"testing"
)

// A redirect the pod runner would open as root must stay inside the lab's folder.
func TestInsideDir(t *testing.T) {
	lab := t.TempDir()
	if err := os.MkdirAll(filepath.Join(lab, "nodes", "n1", "var", "log"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(lab, "escape")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{
		filepath.Join(lab, "nodes", "n1", "var", "log", "kubelet.log"): true,
		filepath.Join(lab, "pods", "x", "out.log"):                     true,
		"/etc/passwd":                           false,
		"/etc/cron.d/x":                         false,
		filepath.Join(lab, "..", "outside.log"): false,
		filepath.Join(lab, "escape", "passwd"):  false,
		"relative/file":                         false,
	} {
		if got := insideDir(p, lab); got != want {
			t.Errorf("insideDir(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestUnsafeEnv(t *testing.T) {
	for _, n := range []string{"LD_PRELOAD", "LD_LIBRARY_PATH", "GCONV_PATH", "GODEBUG"} {
		if !unsafeEnv(n) {
			t.Errorf("%s should be dropped", n)
		}
	}
	for _, n := range []string{"NODE_NAME", "CONTENT_TYPE", "PATH_X"} {
		if unsafeEnv(n) {
			t.Errorf("%s should be kept", n)
		}
	}
}
