package seal

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func newBackend(tb testing.TB) *FileBackend {
	tb.Helper()
	b, err := NewFileBackend(filepath.Join(tb.TempDir(), "keys"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestFileBackendRoundTrip(t *testing.T) {
	b := newBackend(t)
	secret := bytes.Repeat([]byte{0x5a}, 32)
	if err := b.Put("device-signing", secret); err != nil {
		t.Fatalf("Put: %v", err)
	}
	got, err := b.Get("device-signing")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get = %x, %v", got, err)
	}
	fi, err := os.Stat(b.Path("device-signing"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	di, _ := os.Stat(b.Dir())
	if di.Mode().Perm() != 0o700 {
		t.Errorf("key dir mode %v, want 0700", di.Mode().Perm())
	}
	ents, _ := os.ReadDir(b.Dir())
	if len(ents) != 1 {
		t.Errorf("key dir holds %d entries, want 1 (temporary file left behind?)", len(ents))
	}
}

func TestFileBackendRefusesOverwrite(t *testing.T) {
	b := newBackend(t)
	if err := b.Put("k", []byte("first")); err != nil {
		t.Fatal(err)
	}
	err := b.Put("k", []byte("second"))
	if !errors.Is(err, ErrKeyExists) || !strings.Contains(err.Error(), b.Path("k")) {
		t.Errorf("second Put = %v, want ErrKeyExists naming %s", err, b.Path("k"))
	}
	if got, _ := b.Get("k"); string(got) != "first" {
		t.Errorf("key overwritten: %q", got)
	}
}

func TestFileBackendConcurrentPut(t *testing.T) {
	b := newBackend(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = b.Put("race", []byte{byte(i + 1)}) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, ErrKeyExists):
			t.Errorf("Put: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent Puts succeeded, want exactly 1", won)
	}
	if _, err := b.Get("race"); err != nil {
		t.Errorf("Get after race: %v", err)
	}
}

func TestFileBackendBadInput(t *testing.T) {
	b := newBackend(t)
	if err := b.Put("good", bytes.Repeat([]byte{1}, 32)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(b.Path("good"))
	write := func(name string, data []byte, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(b.Path(name), data, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(b.Path(name), mode); err != nil {
			t.Fatal(err)
		}
	}
	flipped := bytes.Clone(raw)
	flipped[10] ^= 0x80
	write("flipped", flipped, 0o600)
	write("truncated", raw[:len(raw)-3], 0o600)
	write("empty", nil, 0o600)
	write("raw", bytes.Repeat([]byte{1}, 32), 0o600)
	write("readable", raw, 0o644)
	if err := os.Symlink(b.Path("good"), b.Path("link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(b.Path("dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		want error
	}{
		{"missing", ErrNoKey},
		{"flipped", ErrCorruptKey},
		{"truncated", ErrCorruptKey},
		{"empty", ErrCorruptKey},
		{"raw", ErrCorruptKey},
		{"readable", ErrInsecure},
		{"link", ErrInsecure},
		{"dir", ErrInsecure},
		{"../escape", ErrKeyName},
		{".hidden", ErrKeyName},
		{"", ErrKeyName},
		{"UPPER", ErrKeyName},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := b.Get(tc.name)
			if !errors.Is(err, tc.want) || got != nil {
				t.Fatalf("Get(%q) = %x, %v; want %v", tc.name, got, err, tc.want)
			}
			if tc.want != ErrKeyName && !strings.Contains(err.Error(), b.Path(tc.name)) {
				t.Errorf("error %q does not name the file %s", err, b.Path(tc.name))
			}
		})
	}
	// The good key is untouched by all of the above.
	if got, err := b.Get("good"); err != nil || !bytes.Equal(got, bytes.Repeat([]byte{1}, 32)) {
		t.Errorf("good key after bad input: %x, %v", got, err)
	}
}

func TestLoadKEK(t *testing.T) {
	b := newBackend(t)
	if _, err := LoadKEK(b, KEKName); !errors.Is(err, ErrNoKey) || !strings.Contains(err.Error(), b.Path(KEKName)) {
		t.Errorf("LoadKEK(absent) = %v, want ErrNoKey naming the file", err)
	}
	created, err := CreateKEK(b, KEKName)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadKEK(b, KEKName)
	if err != nil {
		t.Fatal(err)
	}
	if created.KeyID() != loaded.KeyID() {
		t.Error("loaded KEK differs from created KEK")
	}
	if _, err := CreateKEK(b, KEKName); !errors.Is(err, ErrKeyExists) {
		t.Errorf("second CreateKEK = %v, want ErrKeyExists", err)
	}
	if err := b.Put("short", make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKEK(b, "short"); !errors.Is(err, ErrKeySize) || !strings.Contains(err.Error(), b.Path("short")) {
		t.Errorf("LoadKEK(16-byte key) = %v, want ErrKeySize naming the file", err)
	}
	// A sealed record survives a reload of the KEK.
	r, _ := NewSealer(created).Seal([]byte("id"), []byte("pt"))
	if pt, err := NewSealer(loaded).Open([]byte("id"), r); err != nil || string(pt) != "pt" {
		t.Errorf("Open with reloaded KEK = %q, %v", pt, err)
	}
}

func TestNewFileBackendInsecureDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	if _, err := NewFileBackend(dir); !errors.Is(err, ErrInsecure) || !strings.Contains(err.Error(), dir) {
		t.Errorf("NewFileBackend(0755 dir) = %v, want ErrInsecure naming %s", err, dir)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := NewFileBackend(file); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("NewFileBackend(file) = %v, want error naming %s", err, file)
	}
}

func TestFileBackendDelete(t *testing.T) {
	b := newBackend(t)
	if err := b.Delete("k"); !errors.Is(err, ErrNoKey) {
		t.Errorf("Delete(absent) = %v, want ErrNoKey", err)
	}
	b.Put("k", []byte("v"))
	if err := b.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get("k"); !errors.Is(err, ErrNoKey) {
		t.Errorf("Get after Delete = %v, want ErrNoKey", err)
	}
	if err := b.Put("k", []byte("new")); err != nil {
		t.Errorf("Put after Delete = %v", err)
	}
}

func TestNewFileBackendRemovesStaleTemps(t *testing.T) {
	b := newBackend(t)
	stale := filepath.Join(b.Dir(), tmpPrefix+"k-1")
	fresh := filepath.Join(b.Dir(), tmpPrefix+"k-2")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleAge)
	os.Chtimes(stale, old, old)
	if _, err := NewFileBackend(b.Dir()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary key file kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent temporary file (a Put in progress?) removed: %v", err)
	}
}
