package assets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestManifest(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range Manifest() {
		if seen[e.ID] {
			t.Errorf("duplicate id %q", e.ID)
		}
		seen[e.ID] = true
		if len(e.SHA256) != 64 || e.Bytes <= 0 || e.Source.Package == "" || len(e.Inputs) == 0 || len(e.Outputs) == 0 {
			t.Errorf("%s: incomplete entry %+v", e.ID, e)
		}
		if got, err := Lookup(e.ID); err != nil || got.SHA256 != e.SHA256 {
			t.Errorf("Lookup(%q) = %v, %v", e.ID, got.ID, err)
		}
	}
	for _, id := range []string{FaceDetectionShortRange, FaceDetectionFullRange, MobileFaceNet} {
		if !seen[id] {
			t.Errorf("manifest lacks %q", id)
		}
	}
	if _, err := Lookup("nope"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Lookup(nope) err = %v", err)
	}
	if got, want := Path("/r", MobileFaceNet), filepath.FromSlash("/r/models/assets/weights/mobilefacenet.tflite"); got != want {
		t.Errorf("Path = %q, want %q", got, want)
	}
}

type fakePacker struct {
	calls int
	data  []byte
}

func (f *fakePacker) Pack(ctx context.Context, spec string, max int64) ([]byte, error) {
	f.calls++
	return f.data, nil
}

func tgz(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write(body)
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestFetchRejectsWrongTarball(t *testing.T) {
	root := t.TempDir()
	p := &fakePacker{data: tgz(t, "package/face_detection_short_range.tflite", []byte("not a model"))}
	err := Fetch(context.Background(), root, FetchOptions{Packer: p})
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("Fetch with a foreign tarball: err = %v, want ErrMismatch", err)
	}
	if _, err := os.Stat(Path(root, FaceDetectionShortRange)); err == nil {
		t.Fatal("a file was written from an unverified tarball")
	}
}

func TestVerify(t *testing.T) {
	dir := t.TempDir()
	body := []byte("hello")
	e := Entry{Bytes: 5, SHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}
	p := filepath.Join(dir, "m")
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, e); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	e.SHA256 = "00" + e.SHA256[2:]
	if err := Verify(p, e); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify(bad sum) = %v", err)
	}
	e.Bytes = 4
	if err := Verify(p, e); !errors.Is(err, ErrMismatch) {
		t.Fatalf("Verify(bad size) = %v", err)
	}
}

func TestExtract(t *testing.T) {
	data := tgz(t, "package/x", []byte("abc"))
	if got, err := extract(data, "package/x", 3); err != nil || string(got) != "abc" {
		t.Fatalf("extract = %q, %v", got, err)
	}
	if _, err := extract(data, "package/x", 2); !errors.Is(err, ErrMismatch) {
		t.Fatalf("extract(wrong size) err = %v", err)
	}
	if _, err := extract(data, "package/y", 3); err == nil {
		t.Fatal("extract(missing) succeeded")
	}
	if err := checkIntegrity(data, Source{Size: int64(len(data)), Integrity: "sha512-x"}); !errors.Is(err, ErrMismatch) {
		t.Fatalf("checkIntegrity = %v", err)
	}
}
