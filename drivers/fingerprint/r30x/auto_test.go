package r30x_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

func TestAutoEnrollAndIdentify(t *testing.T) {
	r := newRig(t, sim.Config{Profile: sim.R503(), FingerTimeout: 300 * time.Millisecond}, nil)
	ctx := context.Background()
	kate, leo := sim.NewFinger("kate"), sim.NewFinger("leo")

	// The user lifts and re-places the finger after every capture.
	var steps []byte
	r.s.Place(kate)
	id, err := r.d.AutoEnroll(ctx, r30x.AutoEnrollOptions{ID: -1, RequireLift: true}, func(step byte) {
		steps = append(steps, step)
		if step%2 == 0 && step <= 10 {
			r.s.Lift()
			r.s.Place(kate)
		}
	})
	if err != nil {
		t.Fatalf("AutoEnroll: %v", err)
	}
	if id != 0 || len(steps) != 14 || steps[0] != 1 || steps[11] != 0x0C || steps[13] != 0x0E {
		t.Fatalf("AutoEnroll slot %d, steps % X", id, steps)
	}
	if r.s.Templates() != 1 {
		t.Fatalf("%d templates stored", r.s.Templates())
	}

	// The same finger again is refused as a duplicate.
	if _, err := r.d.AutoEnroll(ctx, r30x.AutoEnrollOptions{ID: 5}, nil); !errors.Is(err, r30x.CodeAlreadyEnrolled) {
		t.Fatalf("duplicate AutoEnroll: %v", err)
	}
	page, score, found, err := r.d.AutoIdentify(ctx, r30x.AutoIdentifyOptions{Count: 200, Attempts: 1}, nil)
	if err != nil || !found || page != 0 || score <= 0 {
		t.Fatalf("AutoIdentify(kate) = %d, %d, %v, %v", page, score, found, err)
	}
	r.s.Place(leo)
	if _, _, found, err := r.d.AutoIdentify(ctx, r30x.AutoIdentifyOptions{Count: 200, Attempts: 1}, nil); err != nil || found {
		t.Fatalf("AutoIdentify(leo): found=%v, %v", found, err)
	}
	r.s.Lift()
	if _, _, _, err := r.d.AutoIdentify(ctx, r30x.AutoIdentifyOptions{Count: 200, Attempts: 1}, nil); !errors.Is(err, r30x.CodeTimeout) {
		t.Fatalf("AutoIdentify without finger: %v, want CodeTimeout", err)
	}
	if _, err := r.d.AutoEnroll(ctx, r30x.AutoEnrollOptions{ID: 7}, nil); !errors.Is(err, r30x.CodeTimeout) {
		t.Fatalf("AutoEnroll without finger: %v, want CodeTimeout", err)
	}
	if err := r.d.Empty(ctx); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := r.d.AutoIdentify(ctx, r30x.AutoIdentifyOptions{Count: 200}, nil); !errors.Is(err, r30x.CodeLibraryEmpty) {
		t.Fatalf("AutoIdentify on empty library: %v", err)
	}
}
