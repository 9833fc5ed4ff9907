package layering

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/vouchkiosk/vouch"

// rule forbids packages matching from (a prefix of the module-relative path)
// from depending, directly or transitively, on any package matching one of
// deny, unless it matches one of allow. Paths are module-relative; a leading
// "std:" names a standard-library package instead.
type rule struct {
	from  string
	deny  []string
	allow []string
	why   string
}

var rules = []rule{
	{from: "drivers/", deny: []string{""}, allow: []string{"drivers/"}, why: "drivers know only hardware and the standard library"},
	{from: "models/tflite", deny: []string{""}, allow: []string{"models/tflite"}, why: "the interpreter imports nothing of ours"},
	{from: "models/", deny: []string{"drivers/", "agent/", "tools/", "provisioning/"}, why: "models take pixels and tensors only"},
	{from: "agent/store", deny: []string{"agent/flow", "agent/sync", "agent/update", "agent/ui", "agent/api", "drivers/", "models/", "std:net/http"}, why: "records and crypto: no network, no flow"},
	{from: "agent/seal", deny: []string{"agent/flow", "agent/sync", "agent/update", "agent/ui", "agent/api", "drivers/", "models/", "std:net/http"}, why: "records and crypto: no network, no flow"},
	{from: "agent/result", deny: []string{"agent/flow", "agent/sync", "agent/update", "agent/ui", "agent/api", "drivers/", "models/", "std:net/http"}, why: "records and crypto: no network, no flow"},
	{from: "agent/flow", deny: []string{"agent/sync", "agent/update", "agent/ui", "agent/api", "std:net/http", "std:net"}, why: "the flow never calls the network"},
	{from: "agent/sync", deny: []string{"agent/flow", "agent/ui", "agent/api", "drivers/", "models/"}, why: "sync reads the outbox, never the flow"},
	{from: "agent/update", deny: []string{"agent/flow", "agent/ui", "agent/api", "drivers/", "models/"}, why: "update never touches the flow"},
	{from: "tools/platform", deny: []string{"drivers/", "models/", "agent/flow", "agent/ui"}, why: "the platform never sees a face"},
}

// goList returns every package in the module with its non-test dependencies.
func goList(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}`, module+"/...")
	cmd.Dir = "../.."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 {
			pkgs[f[0]] = f[1:]
		}
	}
	if len(pkgs) == 0 {
		t.Fatal("go list returned no packages")
	}
	return pkgs
}

func matches(dep, pattern string) bool {
	if std, ok := strings.CutPrefix(pattern, "std:"); ok {
		return dep == std
	}
	rel, ok := strings.CutPrefix(dep, module+"/")
	if !ok {
		return false
	}
	return strings.HasPrefix(rel, pattern)
}

func TestLayering(t *testing.T) {
	pkgs := goList(t)
	for _, r := range rules {
		for pkg, deps := range pkgs {
			if !matches(pkg, r.from) || strings.HasPrefix(pkg, module+"/internal/testenv") {
				continue
			}
			for _, d := range deps {
				if matches(d, "internal/") && !strings.HasPrefix(d, module+"/internal/testenv") {
					// module-wide internal helpers are allowed unless they themselves break a rule (checked as packages).
					continue
				}
				denied := false
				for _, p := range r.deny {
					if matches(d, p) || (p == "" && strings.HasPrefix(d, module+"/")) {
						denied = true
					}
				}
				for _, p := range r.allow {
					if matches(d, p) {
						denied = false
					}
				}
				if denied {
					t.Errorf("%s imports %s: %s (design.md §7)", strings.TrimPrefix(pkg, module+"/"), strings.TrimPrefix(d, module+"/"), r.why)
				}
			}
		}
	}
}

// TestFakesOnlyInTests checks that test-fake packages (named *test, like
// periph's gpiotest) and internal/testenv are never linked into a program.
func TestFakesOnlyInTests(t *testing.T) {
	for pkg, deps := range goList(t) {
		for _, d := range deps {
			rel, ok := strings.CutPrefix(d, module+"/")
			if !ok {
				continue
			}
			last := rel[strings.LastIndex(rel, "/")+1:]
			if rel == "internal/testenv" || (strings.HasSuffix(last, "test") && last != "vmtest" && last != "hwtest" && !strings.HasSuffix(last, "smoketest")) {
				t.Errorf("%s links test-only package %s", strings.TrimPrefix(pkg, module+"/"), rel)
			}
		}
	}
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		dep, pattern string
		want         bool
	}{
		{module + "/drivers/camera", "drivers/", true},
		{module + "/agent/flow", "agent/flow", true},
		{module + "/agent/store", "agent/flow", false},
		{"net/http", "std:net/http", true},
		{"net/http/httptest", "std:net/http", false},
		{"github.com/other/drivers/x", "drivers/", false},
	} {
		if got := matches(c.dep, c.pattern); got != c.want {
			t.Errorf("matches(%q, %q) = %v, want %v", c.dep, c.pattern, got, c.want)
		}
	}
}
