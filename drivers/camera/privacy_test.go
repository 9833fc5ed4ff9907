package camera

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestNoFrameDataInLogs streams good and corrupt frames with a debug
// logger and checks that neither pixels nor compressed image bytes reach
// the log, and that the stream wrote nothing to disk.
func TestNoFrameDataInLogs(t *testing.T) {
	dir := t.TempDir()
	good := encodeJPEG(t, testImage(32, 16, 7))
	bad := append(append([]byte{}, good[:len(good)/2]...), 0xff, mEOI) // truncated scan
	for name, b := range map[string][]byte{"a.jpg": good, "b.jpg": bad, "c.jpg": good} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o400); err != nil {
			t.Fatal(err)
		}
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := OpenFiles(FilesConfig{Path: dir, FPS: 200}, &Options{Logger: log, Slots: 8})
	if err != nil {
		t.Fatal(err)
	}
	var pix []byte
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		f, err := s.Next(ctx)
		cancel()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pix = append(pix[:0], f.Pix...)
		f.Release()
	}
	st := s.Status()
	s.Close()
	if st.Bad == 0 || len(pix) == 0 {
		t.Fatalf("test did not exercise a bad frame and a good one: %+v", st)
	}
	if !bytes.Contains(logs.Bytes(), []byte("bad frame")) {
		t.Fatalf("bad frame not logged:\n%s", logs.String())
	}
	const window = 12
	for _, secret := range [][]byte{pix, good[len(good)/2:]} {
		for i := 0; i+window <= len(secret); i += window / 2 {
			if w := secret[i : i+window]; bytes.Count(w, w[:1]) != window && bytes.Contains(logs.Bytes(), w) {
				t.Fatalf("log contains image bytes at offset %d", i)
			}
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 3 {
		t.Fatalf("stream changed the image directory: %d entries", len(ents))
	}
}
