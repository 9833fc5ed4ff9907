package r30x

import (
	"context"
	"encoding/binary"
	"errors"
	"time"
)

// AutoTimeout bounds each step acknowledgement of AutoEnroll and
// AutoIdentify: the module itself waits ≈10 s for a finger.
const AutoTimeout = 15 * time.Second

// AutoEnrollOptions configures the R503's on-module enrolment.
type AutoEnrollOptions struct {
	// ID is the library slot; -1 lets the module take the first free one.
	ID int
	// Overwrite allows replacing a used slot.
	Overwrite bool
	// AllowDuplicate allows a finger that is already enrolled elsewhere.
	AllowDuplicate bool
	// RequireLift makes the module wait for the finger to leave between
	// its six captures.
	RequireLift bool
}

// AutoEnroll runs the R503's automatic enrolment (0x31): six captures,
// merge and Store in the module's flash. progress receives each step byte
// (odd: image n captured, even: features n; 0x0D duplicate check, 0x0E
// merge; treat as opaque). It returns the slot used. Note that this stores
// the template on the module; the kiosk's host-record flow uses Enroll.
func (d *Device) AutoEnroll(ctx context.Context, o AutoEnrollOptions, progress func(step byte)) (int, error) {
	id := byte(0xC8)
	if o.ID >= 0 {
		if o.ID >= 0xC8 {
			return 0, errors.New("r30x: AutoEnroll: ID must be 0…199 or -1")
		}
		id = byte(o.ID)
	}
	b := func(v bool) byte {
		if v {
			return 1
		}
		return 0
	}
	defer d.lock()()
	if err := d.send(InstrAutoEnroll, []byte{id, b(o.Overwrite), b(o.AllowDuplicate), 1, b(o.RequireLift)}); err != nil {
		return 0, err
	}
	for {
		p, err := d.ack(ctx, AutoTimeout, 2, InstrAutoEnroll)
		if err != nil {
			return 0, err
		}
		if p[0] == 0x0F {
			return int(p[1]), nil
		}
		if progress != nil {
			progress(p[0])
		}
	}
}

// AutoIdentifyOptions configures the R503's on-module 1:N search.
type AutoIdentifyOptions struct {
	Level        int // security level 1…5; 0 means 3
	Start, Count int // slots searched: Start … Start+Count-1 (0…199)
	// Attempts is how many captures may fail before giving up; 0 means
	// the module keeps trying until it times out.
	Attempts int
}

// AutoIdentify runs the R503's automatic identification (0x32): capture,
// features and library search in one command. found is false when no
// template matched; a missing finger fails with CodeTimeout.
func (d *Device) AutoIdentify(ctx context.Context, o AutoIdentifyOptions, progress func(step byte)) (page, score int, found bool, err error) {
	if o.Level == 0 {
		o.Level = 3
	}
	if o.Start < 0 || o.Count < 1 || o.Start+o.Count > 200 || o.Attempts < 0 || o.Attempts > 255 || o.Level < 1 || o.Level > 5 {
		return 0, 0, false, errors.New("r30x: AutoIdentify: options out of range")
	}
	defer d.lock()()
	if err := d.send(InstrAutoIdentify, []byte{byte(o.Level), byte(o.Start), byte(o.Count), 1, byte(o.Attempts)}); err != nil {
		return 0, 0, false, err
	}
	for {
		p, err := d.ack(ctx, AutoTimeout, 5, InstrAutoIdentify)
		if errors.Is(err, CodeNotFound) {
			return 0, 0, false, nil
		}
		if err != nil {
			return 0, 0, false, err
		}
		if p[0] == 3 {
			return int(binary.BigEndian.Uint16(p[1:3])), int(binary.BigEndian.Uint16(p[3:5])), true, nil
		}
		if progress != nil {
			progress(p[0])
		}
	}
}
