package match

import (
	"math/rand/v2"
	"testing"
)

// TestDotsInt8Kernels compares the dispatched kernel with the generic loop
// for every row count 0..2×lane+1, strides of 1–7 lanes, all 32 alignment
// offsets of the gallery, extreme values (−128·−128 sums), and checks that
// the guard band after out is never written.
func TestDotsInt8Kernels(t *testing.T) {
	if !haveSIMD {
		t.Log("no SIMD kernel on this platform/build; checking the generic path against itself")
	}
	r := rand.New(rand.NewPCG(1, 2))
	const guard = 8
	for _, stride := range []int{32, 64, 96, 192, 224} {
		for n := 0; n <= 2*laneBytes+1; n++ {
			for off := 0; off < laneBytes; off++ {
				if raceEnabled && off%8 != 1 && off != 0 {
					continue
				}
				q := make([]int8, stride+off)[off:]
				buf := make([]int8, off+n*stride)
				g := buf[off:]
				for i := range q {
					q[i] = int8(r.IntN(256) - 128)
				}
				for i := range g {
					g[i] = int8(r.IntN(256) - 128)
				}
				if n > 0 && off == 0 { // worst case for overflow: all −128
					for i := range q {
						q[i] = -128
						g[i] = -128
					}
				}
				want := make([]int32, n)
				dotsInt8Generic(q, g, stride, want)
				got := make([]int32, n+guard)
				for i := range got {
					got[i] = 0x5eed
				}
				dotsInt8(q, g, stride, got[:n])
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("stride %d n %d off %d: out[%d] = %d, want %d", stride, n, off, i, got[i], want[i])
					}
				}
				for i := n; i < n+guard; i++ {
					if got[i] != 0x5eed {
						t.Fatalf("stride %d n %d off %d: guard out[%d] overwritten", stride, n, off, i)
					}
				}
			}
		}
	}
}

func FuzzDotsInt8(f *testing.F) {
	f.Add([]byte{1, 2, 3}, uint8(1))
	f.Add([]byte{0x80, 0x7f, 0xff}, uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, rows uint8) {
		stride := laneBytes * (1 + int(rows%4))
		n := int(rows) % 9
		if len(data) == 0 {
			return
		}
		q := make([]int8, stride)
		g := make([]int8, n*stride)
		for i := range q {
			q[i] = int8(data[i%len(data)])
		}
		for i := range g {
			g[i] = int8(data[(i*7+3)%len(data)] ^ byte(i))
		}
		want, got := make([]int32, n), make([]int32, n)
		dotsInt8Generic(q, g, stride, want)
		dotsInt8(q, g, stride, got)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("row %d: %d, want %d", i, got[i], want[i])
			}
		}
	})
}

func BenchmarkDotsInt8(b *testing.B) {
	const n, stride = 4096, 192
	q := make([]int8, stride)
	g := make([]int8, n*stride)
	for i := range g {
		g[i] = int8(i * 31)
	}
	for i := range q {
		q[i] = int8(i * 7)
	}
	out := make([]int32, n)
	b.Run("generic", func(b *testing.B) {
		b.SetBytes(int64(len(g)))
		for b.Loop() {
			dotsInt8Generic(q, g, stride, out)
		}
	})
	b.Run("simd", func(b *testing.B) {
		if !haveSIMD {
			b.Skip("no SIMD kernel")
		}
		b.SetBytes(int64(len(g)))
		for b.Loop() {
			dotsInt8(q, g, stride, out)
		}
	})
}
