package camera

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Source delivers RGB frames. Next blocks until a frame newer than the
// previous one is available; the caller must Release every frame it gets.
// Implementations are safe for concurrent use.
type Source interface {
	Next(ctx context.Context) (*Frame, error)
	Status() Status
	Close() error
}

// State is a stream's lifecycle phase.
type State int

// Stream states.
const (
	StateStarting     State = iota // opening the capturer for the first time
	StateStreaming                 // frames are flowing
	StateReconnecting              // the capturer failed; waiting to reopen it
	StateEnded                     // the source has no more frames (end of a file)
	StateFailed                    // a permanent error; no more frames
	StateClosed                    // Close was called
)

var stateNames = [...]string{"starting", "streaming", "reconnecting", "ended", "failed", "closed"}

func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Status is a snapshot of a stream for a UI or health check.
type Status struct {
	State  State
	Source string // capturer description, e.g. "v4l2 /dev/video0"
	Format Format // raw format of the open capturer
	// Err is the last capture error (nil while streaming cleanly).
	Err        error
	Since      time.Time // when State was entered
	Frames     uint64    // frames published
	Dropped    uint64    // frames discarded unseen (newest-frame-wins)
	Bad        uint64    // raw frames that failed to convert
	Reconnects uint64    // times the capturer was reopened
}

// Options tune a Stream. The zero value (or nil) gives the defaults.
type Options struct {
	// Slots is the ring size; 0 means 3.
	Slots int
	// MinBackoff and MaxBackoff bound the exponential wait between
	// reopen attempts; 0 means 250 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// Logger receives state changes and errors (never pixel data); nil
	// discards.
	Logger *slog.Logger
}

func loggerOf(o *Options) *slog.Logger {
	if o == nil || o.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Logger
}

// capturer is one kind of frame producer. A Stream calls open, then next
// repeatedly, then close, from one goroutine; after an error from open or
// next it calls close and, unless the error is permanent, opens again.
type capturer interface {
	open(ctx context.Context) (Format, error)
	// next returns the next raw frame and a function that gives its buffer
	// back to the capturer; the stream converts the frame before calling it.
	next(ctx context.Context) (raw []byte, f Format, release func(), err error)
	close() error
	String() string
}

// Stream runs a capturer on its own goroutine, converts its frames to RGB
// into a newest-frame-wins Ring and reopens it after failures. It
// implements Source and is safe for concurrent use.
type Stream struct {
	ring   *Ring
	cap    capturer
	log    *slog.Logger
	minB   time.Duration
	maxB   time.Duration
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	status Status
}

var _ Source = (*Stream)(nil)

// newStream starts c on a goroutine.
func newStream(c capturer, o *Options) (*Stream, error) {
	if o == nil {
		o = &Options{}
	}
	slots := o.Slots
	if slots == 0 {
		slots = 3
	}
	ring, err := NewRing(slots)
	if err != nil {
		return nil, err
	}
	s := &Stream{
		ring: ring, cap: c, log: loggerOf(o),
		minB: o.MinBackoff, maxB: o.MaxBackoff,
		done: make(chan struct{}),
	}
	if s.minB <= 0 {
		s.minB = 250 * time.Millisecond
	}
	if s.maxB <= 0 {
		s.maxB = 5 * time.Second
	}
	s.maxB = max(s.maxB, s.minB)
	s.status = Status{State: StateStarting, Source: c.String(), Since: time.Now()}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(ctx)
	return s, nil
}

// Next returns the newest frame not returned before; see Ring.Next.
func (s *Stream) Next(ctx context.Context) (*Frame, error) { return s.ring.Next(ctx) }

// Status returns a snapshot of the stream's state and counters.
func (s *Stream) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Dropped = s.ring.Dropped()
	return st
}

// Close stops capture, closes the capturer and waits for the goroutine;
// Next then returns ErrClosed (or the stream's final error). Frames
// already handed out stay valid until released.
func (s *Stream) Close() error {
	s.cancel()
	<-s.done
	s.ring.Close(ErrClosed)
	s.ring.discardReady()
	return nil
}

func (s *Stream) setState(st State, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status.State != st {
		s.status.Since = time.Now()
		s.log.Info("camera: state", "source", s.status.Source, "from", s.status.State, "to", st, "err", err)
	}
	s.status.State, s.status.Err = st, err
}

func (s *Stream) update(fn func(*Status)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.status)
}

func (s *Stream) run(ctx context.Context) {
	defer close(s.done)
	backoff := s.minB
	final := ErrClosed
	defer func() {
		s.ring.Close(final)
		if final == ErrClosed {
			s.setState(StateClosed, nil)
		}
	}()
	first := true
	for ctx.Err() == nil {
		if !first {
			s.update(func(st *Status) { st.Reconnects++ })
		}
		first = false
		f, err := s.cap.open(ctx)
		if err == nil {
			s.update(func(st *Status) { st.Format = f })
			s.setState(StateStreaming, nil)
			var delivered bool
			delivered, err = s.pump(ctx)
			if delivered {
				backoff = s.minB
			}
		}
		if cerr := s.cap.close(); cerr != nil {
			s.log.Warn("camera: close", "source", s.cap.String(), "err", cerr)
		}
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, io.EOF):
			s.setState(StateEnded, nil)
			final = io.EOF
			return
		case isPermanent(err):
			s.setState(StateFailed, err)
			final = err
			return
		}
		s.setState(StateReconnecting, err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, s.maxB)
	}
}

// pump moves frames from the open capturer into the ring until an error.
func (s *Stream) pump(ctx context.Context) (delivered bool, err error) {
	var dec JPEGDecoder
	for {
		raw, f, release, err := s.cap.next(ctx)
		if err != nil {
			return delivered, err
		}
		t := time.Now()
		dst, err := s.ring.Acquire(max(f.Width, 1), max(f.Height, 1))
		if err != nil { // corrupt geometry from the capturer
			release()
			return delivered, permanent(err)
		}
		if dst == nil { // every slot held by consumers: drop, never wait
			release()
			continue
		}
		cerr := convert(dst, raw, f, &dec)
		release()
		if cerr != nil {
			s.ring.Abort(dst)
			s.update(func(st *Status) { st.Bad++; st.Err = cerr })
			s.log.Debug("camera: bad frame", "source", s.cap.String(), "err", cerr)
			continue
		}
		s.ring.Publish(dst, t)
		delivered = true
		s.update(func(st *Status) { st.Frames++ })
	}
}

// convert turns one raw frame into RGB in dst (already sized f.Width×f.Height).
func convert(dst *Frame, raw []byte, f Format, dec *JPEGDecoder) error {
	stride := func(packed int) int {
		if f.Stride > 0 {
			return f.Stride
		}
		return packed
	}
	switch f.Pixel {
	case YUYV:
		return YUYVToRGB(dst.Pix, dst.Stride, raw, stride(4*((f.Width+1)/2)), f.Width, f.Height)
	case I420:
		return I420ToRGB(dst.Pix, dst.Stride, raw, stride(f.Width), f.Width, f.Height)
	case MJPEG, JPEG:
		return dec.Decode(dst, raw, f.Width, f.Height)
	case RGB24:
		rs := stride(3 * f.Width)
		if rs < 3*f.Width || len(raw) < (f.Height-1)*rs+3*f.Width {
			return fmt.Errorf("%w: RGB24 %dx%d stride %d, have %d bytes", ErrShortFrame, f.Width, f.Height, rs, len(raw))
		}
		for y := range f.Height {
			copy(dst.Pix[y*dst.Stride:][:3*f.Width], raw[y*rs:])
		}
		return nil
	}
	return fmt.Errorf("%w: %v", ErrFormat, f.Pixel)
}
