package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestEvalArgs(t *testing.T) {
	empty := t.TempDir()
	for _, tt := range []struct {
		args  []string
		usage bool
	}{
		{[]string{"eval"}, true},
		{[]string{"eval", "fingers", "x"}, true},
		{[]string{"eval", "faces"}, true},
		{[]string{"eval", "faces", "a", "b"}, true},
		{[]string{"eval", "faces", "-roster", "0", empty}, true},
		{[]string{"eval", "faces", empty}, false}, // no identities.csv
	} {
		var out, errb bytes.Buffer
		err := Run(context.Background(), tt.args, Env{Stdout: &out, Stderr: &errb})
		if err == nil || errors.Is(err, ErrUsage) != tt.usage {
			t.Errorf("%q: %v (usage error wanted: %v)", tt.args, err, tt.usage)
		}
	}
}

func TestEvalWriteFileAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.json")
	for _, content := range []string{"one", "two"} {
		if err := evalWriteFileAtomic(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != content {
			t.Fatalf("read %q, want %q", b, content)
		}
	}
	if ents, _ := os.ReadDir(filepath.Dir(p)); len(ents) != 1 {
		t.Errorf("temporary files left: %v", ents)
	}
}
