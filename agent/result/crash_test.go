package result

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv names the store a re-executed test binary appends to.
const crashChildEnv = "VOUCH_RESULT_CRASH_CHILD"

// crashChild appends records forever, printing "ack N" after each append
// returns (that is, after its commit was fsynced). The parent kills it.
func crashChild(path string) {
	db, err := openChildStore(path)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	l, err := NewLog(db, testKey(0), &LogOptions{Clock: &stepClock{}})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(3)
	}
	fmt.Println("ready")
	for {
		seq, err := l.Append(context.Background(), request())
		if err != nil {
			fmt.Println("error", err)
			os.Exit(3)
		}
		fmt.Println("ack", seq) // os.Stdout is unbuffered: one write(2) per line
	}
}

// TestCrashSafety SIGKILLs an appending child process at random moments and
// checks, after every kill, that the store opens (with its full consistency
// check), the chain verifies, and every acknowledged append is there.
// Under -short it runs 10 kills instead of 50.
func TestCrashSafety(t *testing.T) {
	if p := os.Getenv(crashChildEnv); p != "" {
		crashChild(p)
		return
	}
	iterations := 50
	if testing.Short() {
		iterations = 10
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>32))
	path := filepath.Join(t.TempDir(), "vouch.db")
	var acked uint64
	for i := range iterations {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashSafety$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || lines.Text() != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("iteration %d: child did not start: %q", i, lines.Text())
		}
		// Kill at a random moment within the append loop: anywhere from
		// immediately to a few dozen commits in.
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for lines.Scan() {
			f := strings.Fields(lines.Text())
			if len(f) != 2 || f[0] != "ack" {
				t.Fatalf("iteration %d: child said %q", i, lines.Text())
			}
			seq, err := strconv.ParseUint(f[1], 10, 64)
			if err != nil || seq != acked+1 {
				t.Fatalf("iteration %d: ack %q after %d", i, f[1], acked)
			}
			acked = seq
		}
		cmd.Wait()

		db, err := openChildStore(path) // runs the store's full consistency check
		if err != nil {
			t.Fatalf("iteration %d: store does not open after SIGKILL: %v", i, err)
		}
		head, err := VerifyStored(context.Background(), db, pubOf(testKey(0)))
		db.Close()
		if err != nil {
			t.Fatalf("iteration %d: chain does not verify after SIGKILL: %v", i, err)
		}
		if head.Seq < acked {
			t.Fatalf("iteration %d: acknowledged seq %d lost: head is %d", i, acked, head.Seq)
		}
		// An append that committed but whose ack was never printed is fine;
		// the next child continues after it.
		acked = head.Seq
	}
	if acked == 0 {
		t.Fatal("no append was ever acknowledged; the test exercised nothing")
	}
	t.Logf("%d kills, %d records in the chain", iterations, acked)
}
