package tflite

import (
	"context"
	"testing"
)

// BenchmarkInvoke times one Invoke of each fetched model, single-threaded,
// and reports the achieved multiply-accumulate rate.
func BenchmarkInvoke(b *testing.B) {
	for _, id := range []string{"face_detection_short_range", "face_detection_full_range", "mobilefacenet"} {
		b.Run(id, func(b *testing.B) {
			m, err := Load(modelBytes(b, id))
			if err != nil {
				b.Fatal(err)
			}
			ip, err := NewInterpreter(m, nil)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := ip.Invoke(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(ip.MACs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}
