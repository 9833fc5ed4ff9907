package daemon

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/agent/identity"
	"github.com/vouchkiosk/vouch/agent/seal"
	"github.com/vouchkiosk/vouch/agent/store"
)

var urlRE = regexp.MustCompile(`listening on (http://\S+)`)

// start runs the agent with args and returns its API URL, the device id it
// printed, and a function that stops it and returns Run's error.
func start(t *testing.T, args ...string) (url string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, args, pw, io.Discard)
		pw.CloseWithError(err)
		done <- err
	}()
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if m := urlRE.FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
			break
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("agent did not print its URL: %v", <-done)
	}
	go io.Copy(io.Discard, pr)
	return url, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("agent did not stop within 10s of cancellation")
			return nil
		}
	}
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode, v
}

func TestRunDev(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data") // created by --dev
	url, stop := start(t, "--dev", "--data", data, "--listen", "127.0.0.1:0")
	code, h := getJSON(t, url+"/healthz")
	dev, _ := h["device"].(string)
	if code != http.StatusOK || !strings.HasPrefix(dev, "VK-") || h["dev"] != true || h["store"] != "ok" || h["chain_head_seq"] != 0.0 {
		t.Errorf("healthz = %d %v", code, h)
	}
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`vouch_device_info{device="` + dev + `",dev="true"} 1`, "vouch_store_healthy 1", "vouch_result_chain_head_seq 0"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	// The store was closed (lock released) and the identity persisted.
	db, err := store.Open(Layout{Dir: data}.DB(), &store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("store still locked or damaged after shutdown: %v", err)
	}
	db.Close()
	url, stop = start(t, "--dev", "--data", data, "--listen", "127.0.0.1:0")
	if _, h := getJSON(t, url+"/healthz"); h["device"] != dev {
		t.Errorf("second start has device %v, want %s", h["device"], dev)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestRunProvisioned(t *testing.T) {
	data := t.TempDir()
	kb, err := seal.NewFileBackend(Layout{Dir: data}.Keys())
	if err != nil {
		t.Fatal(err)
	}
	id, err := identity.Create(kb, false)
	if err != nil {
		t.Fatal(err)
	}
	url, stop := start(t, "--data", data, "--listen", "127.0.0.1:0")
	if _, h := getJSON(t, url+"/healthz"); h["device"] != id.DeviceID() || h["dev"] != false {
		t.Errorf("healthz = %v, want device %s, dev false", h, id.DeviceID())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// dataDir returns a data directory prepared by setup.
type setup func(t *testing.T, dir string)

func withIdentity(dev bool) setup {
	return func(t *testing.T, dir string) {
		kb, err := seal.NewFileBackend(Layout{Dir: dir}.Keys())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := identity.Create(kb, dev); err != nil {
			t.Fatal(err)
		}
	}
}

func corruptKey(t *testing.T, dir string) {
	withIdentity(false)(t, dir)
	p := filepath.Join(Layout{Dir: dir}.Keys(), identity.KeyName)
	b, _ := os.ReadFile(p)
	b[10] ^= 0xff
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRunErrors(t *testing.T) {
	keyFile := filepath.Join("keys", identity.KeyName)
	for _, tc := range []struct {
		name    string
		setup   setup
		args    []string // DATA is replaced by the data directory
		wantIs  error
		wantMsg string // must appear in the message (DATA replaced)
	}{
		{"no data flag", nil, []string{}, ErrUsage, "--data is required"},
		{"stray argument", nil, []string{"--data", "DATA", "extra"}, ErrUsage, "unexpected"},
		{"public listen", withIdentity(true), []string{"--dev", "--data", "DATA", "--listen", "0.0.0.0:0"}, ErrNotLoopback, "0.0.0.0"},
		{"no identity", nil, []string{"--data", "DATA"}, identity.ErrNoIdentity, "DATA/" + keyFile},
		{"corrupt key file", corruptKey, []string{"--data", "DATA"}, seal.ErrCorruptKey, "DATA/" + keyFile},
		{"dev identity without --dev", withIdentity(true), []string{"--data", "DATA"}, identity.ErrKind, "DATA/" + keyFile},
		{"provisioned identity with --dev", withIdentity(false), []string{"--dev", "--data", "DATA"}, identity.ErrKind, "DATA/" + keyFile},
		{"missing data dir", nil, []string{"--data", "DATA/absent"}, os.ErrNotExist, "DATA/absent"},
		{"data dir is a file", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, "f"), nil, 0o600) },
			[]string{"--data", "DATA/f"}, nil, "DATA/f: not a directory"},
		{"keys is a file", func(t *testing.T, dir string) { os.WriteFile(Layout{Dir: dir}.Keys(), nil, 0o600) },
			[]string{"--data", "DATA"}, nil, "DATA/keys"},
		{"corrupt store", func(t *testing.T, dir string) {
			withIdentity(false)(t, dir)
			os.WriteFile(Layout{Dir: dir}.DB(), []byte(strings.Repeat("not a bbolt file", 512)), 0o600)
		}, []string{"--data", "DATA"}, store.ErrCorrupt, "DATA/vouch.db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			before := snapshot(t, dir)
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "DATA", dir)
			}
			err := Run(context.Background(), args, io.Discard, io.Discard)
			if err == nil {
				t.Fatal("Run succeeded")
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("Run = %v, want errors.Is %v", err, tc.wantIs)
			}
			if want := strings.ReplaceAll(tc.wantMsg, "DATA", dir); !strings.Contains(err.Error(), want) {
				t.Errorf("Run = %q, want it to name %q", err, want)
			}
			if errors.Is(err, ErrUsage) != (ExitCode(err) == 2) {
				t.Errorf("ExitCode(%v) = %d", err, ExitCode(err))
			}
			if after := snapshot(t, dir); !mapsEqual(before, after) {
				t.Errorf("a failed start changed existing data:\nbefore %v\nafter  %v", keys(before), keys(after))
			}
		})
	}
}

// snapshot maps every regular file under dir to its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			b, _ := os.ReadFile(p)
			m[p] = string(b)
		}
		return nil
	})
	return m
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
