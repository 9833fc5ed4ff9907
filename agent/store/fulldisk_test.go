package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/vouchkiosk/vouch/agent/seal"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

// envFullDisk tells the re-executed test binary to run the full-disk
// scenario in the directory it names.
const envFullDisk = "VOUCH_STORE_FULLDISK_DIR"

// TestFullDisk runs the full-disk scenario in a child process inside its
// own mount namespace, where it mounts a small tmpfs and fills it. The
// mount disappears with the child, whatever happens to it.
func TestFullDisk(t *testing.T) {
	if os.Getenv(envFullDisk) != "" {
		return // this is the child; the scenario runs in TestFullDiskChild
	}
	if runtime.GOOS != "linux" {
		t.Skip("tmpfs full-disk test needs Linux")
	}
	unshare := testenv.Tool(t, "unshare", "apt-get install util-linux")
	if os.Geteuid() != 0 {
		testenv.Missing(t, "the full-disk test mounts a tmpfs and needs root (CAP_SYS_ADMIN)")
	}
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", os.Args[0], "-test.run=^TestFullDiskChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envFullDisk+"="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("unshare failed")) || bytes.Contains(out, []byte("Operation not permitted")) {
			testenv.Missing(t, "cannot create a mount namespace: %s", out)
		}
		t.Fatalf("full-disk scenario failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestFullDiskChild")) {
		t.Fatalf("full-disk scenario did not run:\n%s", out)
	}
	t.Logf("%s", out)
}

// TestFullDiskChild is the scenario TestFullDisk runs in its child.
func TestFullDiskChild(t *testing.T) {
	dir := os.Getenv(envFullDisk)
	if dir == "" {
		t.Skip("runs only as TestFullDisk's child process")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)

	keys, err := seal.NewFileBackend(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	kek, err := seal.CreateKEK(keys, seal.KEKName)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "vouch.db")
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{0xa5}, 3000)
	record := func(seq uint64) []byte { return append([]byte(fmt.Sprint(seq)), big...) }
	var last uint64
	appendOne := func() error {
		return db.Update(func(tx *Tx) error {
			if err := tx.AppendResult(last+1, record(last+1)); err != nil {
				return err
			}
			return tx.AppendAudit([]byte("appended"))
		})
	}
	for range 3 {
		if err := appendOne(); err != nil {
			t.Fatal(err)
		}
		last++
	}

	// Fill the filesystem.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling the disk: %v", err)
			}
			break
		}
	}
	f.Close()

	// Key backend: a clear error naming the file, no partial key, the
	// existing key intact.
	err = keys.Put("device-signing", bytes.Repeat([]byte{1}, 64))
	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), keys.Dir()) {
		t.Errorf("Put on a full disk = %v, want ENOSPC naming a file in %s", err, keys.Dir())
	}
	t.Logf("key Put on full disk: %v", err)
	if _, err := keys.Get("device-signing"); !errors.Is(err, seal.ErrNoKey) {
		t.Errorf("partial key visible after failed Put: %v", err)
	}
	if ents, _ := os.ReadDir(keys.Dir()); len(ents) != 1 {
		t.Errorf("key dir holds %d entries after failed Put, want 1", len(ents))
	}
	if k, err := seal.LoadKEK(keys, seal.KEKName); err != nil || k.KeyID() != kek.KeyID() {
		t.Errorf("existing KEK after full disk: %v", err)
	}

	// Store: appends eventually fail with an error naming the file; every
	// committed append survives.
	var appendErr error
	for range 1000 {
		if appendErr = appendOne(); appendErr != nil {
			break
		}
		last++
	}
	if !errors.Is(appendErr, syscall.ENOSPC) || !strings.Contains(appendErr.Error(), path) {
		t.Fatalf("append on a full disk = %v, want ENOSPC naming %s", appendErr, path)
	}
	t.Logf("append on full disk after seq %d: %v", last, appendErr)
	checkLast := func(want uint64) {
		t.Helper()
		if err := db.View(func(tx *Tx) error {
			seq, r, err := tx.LastResult()
			if err != nil || seq != want || !bytes.Equal(r, record(want)) {
				return fmt.Errorf("LastResult = %d, %v; want %d", seq, err, want)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
		if err := db.Check(); err != nil {
			t.Errorf("Check: %v", err)
		}
	}
	checkLast(last)

	// Compaction needs space for a second copy: it must fail cleanly and
	// leave the store open and intact.
	if err := db.Compact(); !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), path) {
		t.Errorf("Compact on a full disk = %v, want ENOSPC naming %s", err, path)
	}
	if _, err := os.Stat(path + compactSuffix); !os.IsNotExist(err) {
		t.Errorf("partial compaction file left behind: %v", err)
	}
	checkLast(last)

	// The store reopens on the full disk.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(path, nil); err != nil {
		t.Fatalf("reopen on full disk: %v", err)
	}
	checkLast(last)

	// Space comes back: appends continue at the next seq.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if err := appendOne(); err != nil {
		t.Fatalf("append after freeing space: %v", err)
	}
	last++
	checkLast(last)
	if err := db.Compact(); err != nil {
		t.Errorf("Compact after freeing space: %v", err)
	}
	checkLast(last)
	db.Close()
}
