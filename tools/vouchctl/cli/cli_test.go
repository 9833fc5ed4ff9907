package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRunDispatch(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
	}{
		{nil, 2, "Commands:"},
		{[]string{"help"}, 0, "version"},
		{[]string{"nope"}, 2, ""},
		{[]string{"version", "extra"}, 2, ""},
		{[]string{"version"}, 0, "vouchctl"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := Run(context.Background(), tt.args, Env{Stdout: &out, Stderr: &errb})
		if got := ExitCode(err); got != tt.wantCode {
			t.Errorf("Run(%q) exit %d (%v), want %d", tt.args, got, err, tt.wantCode)
		}
		if !strings.Contains(out.String(), tt.wantOut) {
			t.Errorf("Run(%q) stdout %q, want it to contain %q", tt.args, out.String(), tt.wantOut)
		}
		if tt.wantCode == 2 && !errors.Is(err, ErrUsage) {
			t.Errorf("Run(%q) = %v, want ErrUsage", tt.args, err)
		}
	}
}
