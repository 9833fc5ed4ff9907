package server_test

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/tools/platform/api"
	"github.com/vouchkiosk/vouch/tools/platform/internal/pgtest"
	"github.com/vouchkiosk/vouch/tools/platform/server"
)

var pg pgtest.Shared

// TestMain doubles as the platform process of the fault tests: with
// VOUCH_PLATFORM_CHILD=1 it runs server.Run instead of the tests, so the
// parent can SIGKILL a real process.
func TestMain(m *testing.M) {
	if os.Getenv("VOUCH_PLATFORM_CHILD") == "1" {
		os.Exit(runChild())
	}
	code := m.Run()
	if err := pg.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

func runChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	err := server.Run(ctx, server.Config{
		DSN: os.Getenv("VOUCH_CHILD_DSN"), Addr: os.Getenv("VOUCH_CHILD_ADDR"), KeyFile: os.Getenv("VOUCH_CHILD_KEY"),
		Limits: api.Limits{DeviceRate: 1000, DeviceBurst: 1000, AddrRate: 1e6, AddrBurst: 1e6},
		Ready:  func(a net.Addr) { fmt.Println("READY", a) },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// proc is the platform running as a child process.
type proc struct {
	t              *testing.T
	dsn, addr, key string
	cmd            *exec.Cmd
	starts, kills  int
}

func newProc(t *testing.T, dsn string) *proc {
	t.Helper()
	dir := t.TempDir()
	_, key, _ := ed25519.GenerateKey(nil)
	p := &proc{t: t, dsn: dsn, key: filepath.Join(dir, "platform.key")}
	if err := server.WriteKey(p.key, key); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = l.Addr().String()
	l.Close()
	t.Cleanup(func() {
		if p.cmd != nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	return p
}

func (p *proc) publicKey() ed25519.PublicKey {
	k, err := server.ReadKey(p.key)
	if err != nil {
		p.t.Fatal(err)
	}
	return k.Public().(ed25519.PublicKey)
}

// start runs the platform and waits until it serves.
func (p *proc) start() {
	p.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VOUCH_PLATFORM_CHILD=1", "VOUCH_CHILD_DSN="+p.dsn, "VOUCH_CHILD_ADDR="+p.addr, "VOUCH_CHILD_KEY="+p.key)
	out, err := cmd.StdoutPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "READY ") {
				ready <- nil
				io.Copy(io.Discard, out)
				return
			}
		}
		ready <- errors.New("platform exited before READY")
	}()
	select {
	case err = <-ready:
	case <-time.After(60 * time.Second):
		err = errors.New("platform not ready after 60s")
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		p.t.Fatalf("start platform: %v\n%s", err, stderr.String())
	}
	p.cmd = cmd
	p.starts++
}

// kill SIGKILLs the platform: no shutdown, no flush.
func (p *proc) kill() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGKILL)
	p.cmd.Wait()
	p.cmd = nil
	p.kills++
}

// stop ends the platform gracefully.
func (p *proc) stop() {
	if p.cmd == nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
	p.cmd = nil
}

// postgresDSN returns a fresh PostgreSQL database, or skips (fails under CI).
func postgresDSN(t *testing.T) string {
	dsn, err := pg.Database(t.Context())
	if errors.Is(err, pgtest.ErrUnavailable) {
		testenv.Missing(t, "%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}
