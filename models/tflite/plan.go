package tflite

import (
	"fmt"
	"slices"
)

// arenaAlign is the alignment of every tensor in the arena, in float32s
// (64 bytes: one cache line, a full AVX-512 vector).
const arenaAlign = 16

// interval is one arena tensor's placement and lifetime, in steps of the
// live operator list (-1 = before the first step, len = after the last).
type interval struct {
	tensor      int
	first, last int
	size, off   int
}

// plan gives every non-constant FLOAT32 tensor that the live operators or
// the caller touch a place in one arena. Tensors whose lifetimes are
// disjoint may share memory; model inputs and outputs live for the whole
// Invoke, so inputs may be written before Invoke and outputs read after it.
// Placement is greedy by size, largest first, lowest fitting offset.
func (ip *Interpreter) plan(live []planStep, maxBytes int64) error {
	m := ip.model
	end := len(live)
	ivs := map[int]*interval{}
	touch := func(t, at int) {
		if t < 0 || ip.tensors[t].f32 != nil || ip.tensors[t].typ != Float32 {
			return
		}
		iv, ok := ivs[t]
		if !ok {
			iv = &interval{tensor: t, first: at, last: at, size: alignUp(ip.tensors[t].Len())}
			ivs[t] = iv
		}
		iv.first, iv.last = min(iv.first, at), max(iv.last, at)
	}
	for _, t := range m.inputs {
		touch(t, -1)
		touch(t, end)
	}
	for _, t := range m.outputs {
		touch(t, end)
	}
	for s, ps := range live {
		for _, t := range ps.inputs {
			touch(t, s)
		}
		for _, t := range ps.outputs {
			touch(t, s)
		}
	}
	order := make([]*interval, 0, len(ivs))
	for _, iv := range ivs {
		order = append(order, iv)
	}
	slices.SortFunc(order, func(a, b *interval) int {
		if a.size != b.size {
			return b.size - a.size
		}
		return a.tensor - b.tensor
	})
	var placed []*interval
	total := 0
	for _, iv := range order {
		var overlapping []*interval
		for _, p := range placed {
			if p.first <= iv.last && iv.first <= p.last {
				overlapping = append(overlapping, p)
			}
		}
		slices.SortFunc(overlapping, func(a, b *interval) int { return a.off - b.off })
		off := 0
		for _, p := range overlapping {
			if off+iv.size <= p.off {
				break
			}
			off = max(off, p.off+p.size)
		}
		iv.off = off
		placed = append(placed, iv)
		total = max(total, off+iv.size)
		if int64(total)*4 > maxBytes {
			return fmt.Errorf("%w: activation arena exceeds %d bytes", ErrShape, maxBytes)
		}
	}
	ip.arena = make([]float32, total)
	for _, iv := range placed {
		n := ip.tensors[iv.tensor].Len()
		ip.tensors[iv.tensor].f32 = ip.arena[iv.off : iv.off+n : iv.off+n]
	}
	return nil
}

func alignUp(n int) int {
	return (n + arenaAlign - 1) / arenaAlign * arenaAlign
}
