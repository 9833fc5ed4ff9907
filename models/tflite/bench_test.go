package tflite

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"
)

// benchModels are the fetched models the benchmarks time.
var benchModels = []string{"face_detection_short_range", "face_detection_full_range", "mobilefacenet"}

// BenchmarkInvoke times one Invoke of each fetched model, single-threaded,
// and reports the achieved multiply-accumulate rate and the process CPU
// time per Invoke.
func BenchmarkInvoke(b *testing.B) {
	for _, id := range benchModels {
		b.Run(id, func(b *testing.B) { benchInvoke(b, id, 1) })
	}
}

// BenchmarkInvokeThreads is BenchmarkInvoke with Options.Threads 1 and 2
// side by side; the threads=2 runs also report the speedup over threads=1
// measured just before (wall time; cpu-ms/op shows what it costs).
func BenchmarkInvokeThreads(b *testing.B) {
	for _, id := range benchModels {
		var one float64 // ns per Invoke with one thread
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("%s/threads=%d", id, threads), func(b *testing.B) {
				ns := benchInvoke(b, id, threads)
				if threads == 1 {
					one = ns
				} else if one > 0 {
					b.ReportMetric(one/ns, "speedup")
				}
			})
		}
	}
}

// benchInvoke times Invoke of model id with the given Options.Threads and
// returns the wall nanoseconds per Invoke.
func benchInvoke(b *testing.B, id string, threads int) float64 {
	m, err := Load(modelBytes(b, id))
	if err != nil {
		b.Fatal(err)
	}
	ip, err := NewInterpreter(m, &Options{Threads: threads})
	if err != nil {
		b.Fatal(err)
	}
	defer ip.Close()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for b.Loop() {
		if err := ip.Invoke(ctx); err != nil {
			b.Fatal(err)
		}
	}
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(ip.MACs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
	// CPU time per Invoke: on a shared machine this, not ns/op, is the cost.
	b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}

// TestProfileReport prints the per-operator time profile of each model
// (run with -v; -run TestProfileReport).
func TestProfileReport(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("profile report only in full, non-race runs")
	}
	for _, id := range benchModels {
		ip := mustInterp(t, modelBytes(t, id), nil)
		invoke(t, ip)
		agg := map[string]time.Duration{}
		macs := map[string]int64{}
		var total time.Duration
		const runs = 5
		for range runs {
			prof, err := ip.Profile(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range prof {
				agg[p.Name] += p.Time
				macs[p.Name] += p.MACs
				total += p.Time
			}
		}
		names := make([]string, 0, len(agg))
		for n := range agg {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return agg[names[i]] > agg[names[j]] })
		t.Logf("%s: %.2f ms per Invoke (wall), %.1f MMAC", id, total.Seconds()*1e3/runs, float64(ip.MACs())/1e6)
		for _, n := range names {
			t.Logf("  %-20s %6.2f ms %5.1f%%  %7.2f GMAC/s", n, agg[n].Seconds()*1e3/runs, 100*agg[n].Seconds()/total.Seconds(),
				float64(macs[n])/agg[n].Seconds()/1e9)
		}
	}
}
