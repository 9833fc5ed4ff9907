package camera

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestRingNewestWins(t *testing.T) {
	r, err := NewRing(3)
	if err != nil {
		t.Fatal(err)
	}
	pub := func(v byte) {
		f, err := r.Acquire(4, 2)
		if err != nil || f == nil {
			t.Fatalf("acquire: %v, %v", f, err)
		}
		for i := range f.Pix {
			if f.Pix[i] != 0 {
				t.Fatal("acquired frame not zeroed")
			}
			f.Pix[i] = v
		}
		r.Publish(f, time.Now())
	}
	pub(1)
	pub(2)
	pub(3)
	f, err := r.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if f.Pix[0] != 3 || f.Seq != 3 {
		t.Fatalf("got value %d seq %d, want the newest (3, 3)", f.Pix[0], f.Seq)
	}
	if d := r.Dropped(); d != 2 {
		t.Fatalf("dropped %d, want 2", d)
	}
	// the same frame is never returned twice
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Next: %v, want deadline", err)
	}
	pix := f.Pix
	f.Release()
	for _, b := range pix {
		if b != 0 {
			t.Fatal("released frame not zeroed")
		}
	}
	func() {
		defer func() {
			if recover() != errForeignFrame {
				t.Fatal("double release did not panic with errForeignFrame")
			}
		}()
		f.Release()
	}()
}

func TestRingAllHeldDropsInsteadOfBlocking(t *testing.T) {
	r, _ := NewRing(2)
	var held []*Frame
	for range 2 {
		f, _ := r.Acquire(2, 2)
		r.Publish(f, time.Now())
		g, err := r.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, g)
	}
	if f, err := r.Acquire(2, 2); f != nil || err != nil {
		t.Fatalf("acquire with all slots held: %v, %v; want nil, nil", f, err)
	}
	held[0].Release()
	if f, _ := r.Acquire(2, 2); f == nil {
		t.Fatal("no slot after a release")
	}
}

func TestRingClose(t *testing.T) {
	r, _ := NewRing(3)
	f, _ := r.Acquire(2, 2)
	r.Publish(f, time.Now())
	boom := errors.New("boom")
	r.Close(boom)
	r.Close(nil) // keeps the first error
	if g, err := r.Next(context.Background()); err != nil || g != f {
		t.Fatalf("pending frame after close: %v, %v", g, err)
	}
	if _, err := r.Next(context.Background()); err != boom {
		t.Fatalf("after close: %v, want boom", err)
	}
	if g, _ := r.Acquire(2, 2); g != nil {
		t.Fatal("acquire after close returned a frame")
	}
	f.Release()
	if _, err := NewRing(1); err == nil {
		t.Fatal("NewRing(1) accepted")
	}
	if _, err := r.Acquire(0, 5); !errors.Is(err, ErrSize) {
		t.Fatalf("Acquire(0,5): %v", err)
	}
}

// TestRingConcurrent runs a producer at full speed against slow and fast
// consumers (run with -race). Invariants: each consumer sees strictly
// increasing sequence numbers, every frame's pixels are all its own value
// (no tearing, no reuse while held), and the producer never blocks.
func TestRingConcurrent(t *testing.T) {
	r, _ := NewRing(4)
	const frames = 3000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	consumer := func(slow bool) {
		defer wg.Done()
		last := uint64(0)
		for {
			f, err := r.Next(ctx)
			if err != nil {
				if err != ErrClosed {
					t.Errorf("Next: %v", err)
				}
				return
			}
			if f.Seq <= last {
				t.Errorf("seq %d after %d", f.Seq, last)
			}
			last = f.Seq
			want := byte(f.Seq)
			for _, b := range f.Pix {
				if b != want {
					t.Errorf("frame %d torn: %d != %d", f.Seq, b, want)
					break
				}
			}
			if slow {
				time.Sleep(50 * time.Microsecond)
			}
			f.Release()
		}
	}
	wg.Add(3)
	go consumer(false)
	go consumer(true)
	go consumer(true)
	published, skipped := 0, 0
	for seq := uint64(1); published < frames; {
		f, err := r.Acquire(16, 8)
		if err != nil {
			t.Fatal(err)
		}
		if f == nil {
			skipped++
			continue
		}
		for i := range f.Pix {
			f.Pix[i] = byte(seq)
		}
		r.Publish(f, time.Now())
		seq++
		published++
	}
	r.Close(nil)
	wg.Wait()
	t.Logf("published %d, no free slot %d times, dropped %d", published, skipped, r.Dropped())
}
