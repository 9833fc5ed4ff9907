package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/vouchkiosk/vouch/agent/seal"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

// envFaults tells the re-executed test binary to run the filesystem fault
// scenarios in the directory it names.
const envFaults = "VOUCH_STORE_FAULTS_DIR"

// TestFilesystemFaults runs, in a child process inside its own mount
// namespace, the scenarios of a device whose storage fails: a full disk
// (a small tmpfs filled up), a filesystem remounted read-only (what the
// kernel does to a failing SD card), and a data directory the agent's user
// cannot read. The mount disappears with the child, whatever happens to it.
func TestFilesystemFaults(t *testing.T) {
	if os.Getenv(envFaults) != "" {
		return // this is the child; the scenarios run in TestFilesystemFaultsChild
	}
	unshare := testenv.Tool(t, "unshare", "apt-get install util-linux")
	if os.Geteuid() != 0 {
		testenv.Missing(t, "the filesystem fault test mounts a tmpfs and needs root (CAP_SYS_ADMIN)")
	}
	cmd := exec.Command(unshare, "--mount", "--propagation", "private", os.Args[0], "-test.run=^TestFilesystemFaultsChild$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envFaults+"="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("unshare failed")) || bytes.Contains(out, []byte("Operation not permitted")) {
			testenv.Missing(t, "cannot create a mount namespace: %s", out)
		}
		t.Fatalf("filesystem fault scenarios failed: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("--- PASS: TestFilesystemFaultsChild")) {
		t.Fatalf("filesystem fault scenarios did not run:\n%s", out)
	}
	t.Logf("%s", out)
}

// TestFilesystemFaultsChild runs the scenarios of TestFilesystemFaults in
// its child process. They share one tmpfs and run in order; the last one
// drops root for good.
func TestFilesystemFaultsChild(t *testing.T) {
	dir := os.Getenv(envFaults)
	if dir == "" {
		t.Skip("runs only as TestFilesystemFaults' child process")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0755"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", dir, err)
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(data, "vouch.db")
	keys, err := seal.NewFileBackend(filepath.Join(data, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	last := fullDisk(t, dir, path, keys)
	if t.Failed() {
		return
	}
	readOnlyMount(t, dir, path, keys, last)
	if t.Failed() {
		return
	}
	unprivileged(t, dir, path, keys, last)
}

// faultRecord is the result record appended for seq in these scenarios.
func faultRecord(seq uint64) []byte {
	return append([]byte(fmt.Sprint(seq)), bytes.Repeat([]byte{0xa5}, 3000)...)
}

// checkStored opens path read-only and checks its last result.
func checkStored(t *testing.T, path string, want uint64) {
	t.Helper()
	db, err := Open(path, &Options{ReadOnly: true})
	if err != nil {
		t.Errorf("read-only Open: %v", err)
		return
	}
	defer db.Close()
	if err := db.View(func(tx *Tx) error {
		seq, r, err := tx.LastResult()
		if err != nil || seq != want || !bytes.Equal(r, faultRecord(want)) {
			return fmt.Errorf("LastResult = %d, %v; want %d", seq, err, want)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// fullDisk fills the filesystem and checks that key writes, appends and
// compaction fail with errors naming the file while all committed data
// stays intact, and that the store recovers when space returns. It returns
// the last committed seq.
func fullDisk(t *testing.T, dir, path string, keys *seal.FileBackend) uint64 {
	t.Helper()
	kek, err := seal.CreateKEK(keys, seal.KEKName)
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	record := faultRecord
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
	if err := db.Close(); err != nil {
		t.Error(err)
	}
	return last
}

// readOnlyMount remounts the filesystem read-only, as the kernel does after
// I/O errors on a failing card: a read-write Open fails naming the file, a
// read-only Open and the keys still work, nothing changes.
func readOnlyMount(t *testing.T, dir, path string, keys *seal.FileBackend, last uint64) {
	t.Helper()
	if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount %s read-only: %v", dir, err)
	}
	defer func() {
		if err := syscall.Mount("", dir, "", syscall.MS_REMOUNT, "size=1m,mode=0755"); err != nil {
			t.Fatalf("remount %s read-write: %v", dir, err)
		}
	}()
	_, err := Open(path, nil)
	if !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), path) {
		t.Errorf("Open on a read-only filesystem = %v, want EROFS naming %s", err, path)
	}
	t.Logf("Open on read-only filesystem: %v", err)
	fresh := filepath.Join(filepath.Dir(path), "new.db")
	if _, err := Open(fresh, nil); !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), fresh) {
		t.Errorf("creating a store on a read-only filesystem = %v, want EROFS naming %s", err, fresh)
	}
	checkStored(t, path, last)
	if _, err := seal.LoadKEK(keys, seal.KEKName); err != nil {
		t.Errorf("LoadKEK on a read-only filesystem: %v", err)
	}
	if err := keys.Put("new", []byte("secret")); !errors.Is(err, syscall.EROFS) || !strings.Contains(err.Error(), keys.Path("new")) {
		t.Errorf("key Put on a read-only filesystem = %v, want EROFS naming %s", err, keys.Path("new"))
	}
}

// unprivileged drops root for good and checks that a data directory the
// process may not read yields errors naming it, for the store and the keys.
func unprivileged(t *testing.T, dir, path string, keys *seal.FileBackend, last uint64) {
	t.Helper()
	// Let the unprivileged user reach the mount point (the temporary
	// directories above it are 0700), but not the data directory.
	for p := dir; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const nobody = 65534
	if err := syscall.Setgid(nobody); err != nil {
		t.Fatalf("setgid: %v", err)
	}
	if err := syscall.Setuid(nobody); err != nil {
		t.Fatalf("setuid: %v", err)
	}
	data := filepath.Dir(path)
	for _, ro := range []bool{false, true} {
		_, err := Open(path, &Options{ReadOnly: ro})
		if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), data) {
			t.Errorf("Open(ReadOnly=%v) in an unreadable directory = %v, want a permission error naming %s", ro, err, data)
		}
		t.Logf("Open(ReadOnly=%v) as uid %d: %v", ro, os.Getuid(), err)
	}
	_, err := seal.LoadKEK(keys, seal.KEKName)
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), keys.Dir()) {
		t.Errorf("LoadKEK from an unreadable directory = %v, want a permission error naming %s", err, keys.Dir())
	}
	t.Logf("LoadKEK as uid %d: %v", os.Getuid(), err)
	if _, err := seal.NewFileBackend(keys.Dir()); !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), keys.Dir()) {
		t.Errorf("NewFileBackend on an unreadable directory = %v, want a permission error naming %s", err, keys.Dir())
	}
}
