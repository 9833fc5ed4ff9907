package store

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// envKillChild tells the re-executed test binary to append to the store at
// the path it names until killed.
const envKillChild = "VOUCH_STORE_KILL_DB"

func killRecord(seq uint64) []byte {
	return []byte(fmt.Sprintf("result %d %s", seq, strings.Repeat("x", int(seq%200))))
}

// TestKillDuringWrites SIGKILLs a child that appends results, enrols and
// erases subjects and compacts, at random moments, and checks after every
// kill that the store opens, passes Check, and kept every append the child
// saw committed.
func TestKillDuringWrites(t *testing.T) {
	if os.Getenv(envKillChild) != "" {
		return
	}
	if testing.Short() {
		t.Skip("spawns 50 processes")
	}
	rng := seededRand(t)
	path := filepath.Join(t.TempDir(), "vouch.db")
	var acked uint64
	midCompaction := 0
	for range 50 {
		acked = killOnce(t, path, time.Duration(rng.IntN(60))*time.Millisecond, acked, &midCompaction)
	}
	t.Logf("%d results committed across 50 kills, %d of them during a compaction", acked, midCompaction)
}

// killOnce runs the child for delay, kills it and verifies the store. It
// returns the new acknowledged mark.
func killOnce(t *testing.T, path string, delay time.Duration, acked uint64, midCompaction *int) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillChild+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var seen atomic.Uint64
	seen.Store(acked)
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				close(ready)
			}
			if s, ok := strings.CutPrefix(sc.Text(), "committed "); ok {
				n, _ := strconv.ParseUint(s, 10, 64)
				seen.Store(n)
			}
		}
	}()
	// Time the kill from the moment the child has the store open, so that
	// it lands among writes however slow the process start is.
	select {
	case <-ready:
	case <-done:
	case <-time.After(time.Minute):
		t.Log("child not ready after a minute; killing it anyway")
	}
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	werr := cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("child exited before the kill: %v\n%s", werr, stderr.Bytes())
	}
	acked = seen.Load()
	if _, err := os.Stat(path + compactSuffix); err == nil {
		*midCompaction++
	}

	db, err := Open(path, nil)
	if err != nil {
		t.Fatalf("after kill at %v (acked %d): Open: %v", delay, acked, err)
	}
	defer db.Close()
	var last uint64
	if err := db.View(func(tx *Tx) error {
		seq, _, err := tx.LastResult()
		if err != nil {
			return err
		}
		last = seq
		want := uint64(1)
		if err := tx.ForEachResult(0, func(seq uint64, r []byte) error {
			if seq != want || !bytes.Equal(r, killRecord(seq)) {
				return fmt.Errorf("result %d (want %d) holds %q", seq, want, r)
			}
			want++
			return nil
		}); err != nil {
			return err
		}
		if n, err := tx.OutboxLen(); err != nil || n != int(seq) {
			return fmt.Errorf("outbox holds %d, %v; want %d", n, err, seq)
		}
		return nil
	}); err != nil {
		t.Fatalf("after kill at %v: %v", delay, err)
	}
	// The child may have committed one more than it managed to report.
	if last < acked || last > acked+1 {
		t.Fatalf("after kill at %v: last result %d, child reported %d committed", delay, last, acked)
	}
	if _, err := os.Stat(path + compactSuffix); !os.IsNotExist(err) {
		t.Fatalf("stale compaction file survived Open: %v", err)
	}
	return last
}

// TestKillChild is the writer TestKillDuringWrites kills.
func TestKillChild(t *testing.T) {
	path := os.Getenv(envKillChild)
	if path == "" {
		t.Skip("runs only as TestKillDuringWrites' child process")
	}
	db, err := Open(path, &Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	s := testSealer(t)
	var last uint64
	db.View(func(tx *Tx) (err error) { last, _, err = tx.LastResult(); return })
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()
	for i := 0; ; i++ {
		seq := last + 1
		if err := db.Update(func(tx *Tx) error {
			if err := tx.AppendResult(seq, killRecord(seq)); err != nil {
				return err
			}
			return tx.AppendAudit([]byte("result"))
		}); err != nil {
			t.Fatal(err)
		}
		last = seq
		fmt.Fprintf(out, "committed %d\n", seq)
		out.Flush()
		if i%7 == 3 {
			id := fmt.Sprintf("subject-%d", seq)
			if err := db.Update(func(tx *Tx) error {
				if err := tx.PutSubject(Subject{ID: id, Expires: time.Now().Add(time.Hour)}); err != nil {
					return err
				}
				return tx.SealTemplate(s, TemplateKey{id, Face}, "m", bytes.Repeat([]byte{byte(seq)}, 768))
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.Update(func(tx *Tx) error { _, err := tx.EraseSubject(id); return err }); err != nil {
				t.Fatal(err)
			}
		}
		if i%11 == 5 {
			if err := db.Compact(); err != nil {
				t.Fatal(err)
			}
		}
	}
}
