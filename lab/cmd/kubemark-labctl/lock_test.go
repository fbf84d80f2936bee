package main

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A second command that arrives between the holder's flock and the holder writing who it is
// still names the holder (it waits briefly for the text), not "another lab command".
func TestBusyMessageNamesAHolderThatHasNotWrittenYet(t *testing.T) {
	dir := t.TempDir()
	f, err := os.OpenFile(lockPath(dir), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	written := make(chan struct{})
	go func() {
		time.Sleep(150 * time.Millisecond) // the holder is slow to write: the case under test
		_, _ = f.WriteAt([]byte("`kubemark-labctl up` (pid 4242, since now)\n"), 0)
		close(written)
	}()
	_, err = lockLab(dir, "up", 0)
	<-written
	if err == nil || !strings.Contains(err.Error(), "`kubemark-labctl up` (pid 4242") {
		t.Fatalf("want the holder named, got %v", err)
	}
}
