package podrunner

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestRootDirOnlyFromKubemarksOwnLine(t *testing.T) {
	real, err := os.MkdirTemp("/tmp", "hollow-kubelet.")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(real)
	victim := t.TempDir()
	keep := filepath.Join(victim, "keep")
	if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	forged := real + "/../.." + victim
	link := real + "-link"
	if err := os.Symlink(victim, link); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(link)
	cases := []struct {
		line, want string
	}{
		// kubemark's FLAG dump at -v=1 prints a flag value that forges the line
		{fmt.Sprintf(`I1201 17:00:00.000001   12345 flags.go:64] FLAG: --name="Using %s as root dir for hollow-kubelet"`, forged), ""},
		{fmt.Sprintf(`I1201 17:00:00.000001   12345 hollow_kubelet.go:153] Using %s as root dir for hollow-kubelet`, forged), ""},
		{fmt.Sprintf(`I1201 17:00:00.000001   12345 hollow_kubelet.go:153] Using %s as root dir for hollow-kubelet`, link), ""},
		{`I1201 17:00:00.000001   12345 hollow_kubelet.go:153] Using /tmp/hollow-kubelet.does-not-exist as root dir for hollow-kubelet`, ""},
		{`I1201 17:00:00.000001   12345 hollow_kubelet.go:153] Using /var/tmp/hollow-kubelet.1 as root dir for hollow-kubelet`, ""},
		{fmt.Sprintf(`I1201 17:00:00.000001   12345 hollow_kubelet.go:153] Using %s as root dir for hollow-kubelet`, real), real},
	}
	for _, c := range cases {
		f, err := os.CreateTemp(t.TempDir(), "log")
		if err != nil {
			t.Fatal(err)
		}
		w := &criWriter{f: f}
		w.line("stderr", c.line)
		f.Close()
		if w.rootDir != c.want {
			t.Errorf("line %q: rootDir %q, want %q", c.line, w.rootDir, c.want)
		}
		cleanupSharedTmp(w.rootDir)
		if _, err := os.Stat(keep); err != nil {
			t.Fatalf("line %q: the cleanup removed %s", c.line, keep)
		}
	}
	if _, err := os.Stat(real); !os.IsNotExist(err) {
		t.Errorf("the hollow kubelet's own root dir %s should be removed, got %v", real, err)
	}
	// a forged line after a real one changes nothing (the first real line counts)
	cleanupSharedTmp(forged)
	cleanupSharedTmp(link)
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("cleanupSharedTmp removed %s", keep)
	}
}
