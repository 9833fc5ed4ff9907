package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func runFPTest(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"fp"}, args...), Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

func TestFPAgainstSimulator(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"probe", "-sim", "r503"}, []string{"capacity   200", "model      R503", "template 1536 bytes"}},
		{[]string{"probe", "-sim", "r307"}, []string{"capacity   1000", "classic (no ReadProdInfo)"}},
		{[]string{"probe", "-sim", "gt521"}, []string{"GT-521Fxx at 9600 baud", "enrolled   0"}},
		{[]string{"capture", "-sim", "r503"}, []string{"image 192x192", "quality", "(good)", "features: extracted"}},
		{[]string{"enroll", "-sim", "r307", "-verify", "2"}, []string{"[2/2] merged", "512-byte template", "verify 2/2: MATCH"}},
		{[]string{"enroll", "-sim", "as608", "-verify", "1", "-impostor", "eve"}, []string{"768-byte template", "verify 1/1: no match"}},
		{[]string{"enroll", "-sim", "gt521", "-verify", "1"}, []string{"[3/3] merged", "498-byte template", "verify 1/1: MATCH"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := runFPTest(t, tt.args...)
			if err != nil {
				t.Fatalf("err %v\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestFPUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-sim", "r503"},
		{"dance", "-sim", "r503"},
		{"probe", "-sim", "r999"},
		{"probe", "-family", "zz", "-port", "/dev/null"},
		{"capture", "-sim", "gt521"},
		{"probe", "extra"},
	} {
		if _, err := runFPTest(t, args...); !errors.Is(err, ErrUsage) {
			t.Errorf("fp %q: err %v, want a usage error", args, err)
		}
	}
}
