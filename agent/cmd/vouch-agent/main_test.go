package main

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary act as vouch-agent when re-executed.
func TestMain(m *testing.M) {
	if os.Getenv("VOUCH_AGENT_AS_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSIGINTShutsDownCleanly runs the real main in a child process, checks
// that it serves /healthz, sends SIGINT and expects exit status 0.
func TestSIGINTShutsDownCleanly(t *testing.T) {
	cmd := exec.Command(os.Args[0], "--dev", "--data", filepath.Join(t.TempDir(), "d"), "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "VOUCH_AGENT_AS_MAIN=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(out)
	re := regexp.MustCompile(`listening on (http://\S+)`)
	var url string
	for url == "" && sc.Scan() {
		if m := re.FindStringSubmatch(sc.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatal("agent printed no URL")
	}
	go io.Copy(io.Discard, out)
	resp, err := http.Get(url + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("agent exited with %v after SIGINT, want status 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("agent still running 10s after SIGINT")
	}
}

func TestUsageExitCode(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "VOUCH_AGENT_AS_MAIN=1")
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 {
		t.Errorf("vouch-agent without --data: %v, want exit status 2", err)
	}
}
