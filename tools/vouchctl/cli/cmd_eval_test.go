package cli

import (
	"bytes"
	"context"
	"errors"
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
