package modelbench

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteSummary prints one line per result: times, ratio, GMAC/s, allocations
// and the output check.
func WriteSummary(w io.Writer, rs []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tbuild\tours ms\tref ms\tours/ref\tmin ours\tmin ref\tmin ratio\tGMAC\tGMAC/s\tallocs/inv\tB/inv\tmax rel err\truns\t")
	for i := range rs {
		r := &rs[i]
		minRatio := float64(r.OursMin) / float64(r.RefMin)
		fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%.2f\t%.3f\t%.3f\t%.2f\t%.3f\t%.1f\t%.2f\t%.0f\t%.2g\t%d\t\n",
			r.Model, r.Variant, ms(r.Ours), ms(r.Ref), r.Ratio(), ms(r.OursMin), ms(r.RefMin), minRatio,
			float64(r.MACs)/1e9, r.GMACs(), r.AllocsPerRun, r.BytesPerRun, r.MaxErr, r.Runs)
	}
	return tw.Flush()
}

// WriteProfile prints r's per-operator profile, at most top lines.
func WriteProfile(w io.Writer, r *Result, top int) error {
	var total time.Duration
	for _, o := range r.Profile {
		total += o.Time
	}
	fmt.Fprintf(w, "\n%s, %s: per-op profile (median of profiled invokes, sum %.3f ms)\n", r.Model, r.Variant, ms(total))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tsteps\tms\t%\tMMAC\tGMAC/s\t")
	for i, o := range r.Profile {
		if i == top {
			break
		}
		rate := 0.0
		if o.Time > 0 {
			rate = float64(o.MACs) / o.Time.Seconds() / 1e9
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.1f\t%.2f\t%.1f\t\n", o.Name, o.Count, ms(o.Time),
			100*float64(o.Time)/float64(max(total, 1)), float64(o.MACs)/1e6, rate)
	}
	return tw.Flush()
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// WriteHeader prints what was measured on: CPU model, Go version and the
// reference runtime's build.
func WriteHeader(w io.Writer, refPackage string) error {
	cpu := runtime.GOARCH
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	_, err := fmt.Fprintf(w, "cpu: %s (%d logical CPUs)\ngo: %s; ours single-threaded unless the build says threads\nreference: %s, tflite_web_api_cc_simd (WASM SIMD + XNNPACK), 1 thread, %s\n\n",
		cpu, runtime.NumCPU(), runtime.Version(), refPackage, nodeVersion())
	return err
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "node ?"
	}
	return "node " + strings.TrimSpace(string(out))
}
