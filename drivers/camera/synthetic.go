package camera

import (
	"context"
	"fmt"
	"time"
)

// SyntheticConfig configures NewSynthetic.
type SyntheticConfig struct {
	Width, Height int     // 0 means 640×480
	FPS           float64 // 0 means 30
}

// NewSynthetic returns a stream of a moving test pattern: eight colour
// bars, a white square that moves one step per frame and a strip of
// black/white blocks encoding the frame counter (bit i at x = 8i).
// Consecutive frames always differ. For demos and tests.
func NewSynthetic(cfg SyntheticConfig, o *Options) (*Stream, error) {
	if cfg.Width == 0 && cfg.Height == 0 {
		cfg.Width, cfg.Height = 640, 480
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, err
	}
	if cfg.FPS == 0 {
		cfg.FPS = 30
	}
	if cfg.FPS < 0 || cfg.FPS > 1000 {
		return nil, fmt.Errorf("%w: synthetic fps %v", ErrConfig, cfg.FPS)
	}
	return newStream(&synthetic{cfg: cfg}, o)
}

type synthetic struct {
	cfg   SyntheticConfig
	buf   []byte
	n     uint64
	pacer pacer
}

func (s *synthetic) String() string {
	return fmt.Sprintf("synthetic %dx%d@%gfps", s.cfg.Width, s.cfg.Height, s.cfg.FPS)
}

func (s *synthetic) open(context.Context) (Format, error) {
	s.buf = make([]byte, 3*s.cfg.Width*s.cfg.Height)
	s.pacer.reset(s.cfg.FPS)
	return Format{Pixel: RGB24, Width: s.cfg.Width, Height: s.cfg.Height}, nil
}

func (s *synthetic) next(ctx context.Context) ([]byte, Format, func(), error) {
	if err := s.pacer.wait(ctx); err != nil {
		return nil, Format{}, nil, err
	}
	s.n++
	DrawPattern(s.buf, s.cfg.Width, s.cfg.Height, s.n)
	return s.buf, Format{Pixel: RGB24, Width: s.cfg.Width, Height: s.cfg.Height}, func() {}, nil
}

func (s *synthetic) close() error { clear(s.buf); return nil }

// DrawPattern renders frame n of the synthetic test pattern into the packed
// RGB buffer pix (w×h, stride 3w).
func DrawPattern(pix []byte, w, h int, n uint64) {
	bars := [8][3]byte{{255, 255, 255}, {255, 255, 0}, {0, 255, 255}, {0, 255, 0}, {255, 0, 255}, {255, 0, 0}, {0, 0, 255}, {16, 16, 16}}
	side := max(min(w, h)/8, 1)
	span := max(w-side, 1)
	bx := int(n*4) % span
	by := (h - side) / 2
	for y := range h {
		row := pix[3*w*y : 3*w*(y+1)]
		for x := range w {
			c := bars[x*8/w]
			if x >= bx && x < bx+side && y >= by && y < by+side {
				c = [3]byte{255, 255, 255}
			}
			if y < 8 && x < 8*64 {
				v := byte(0)
				if n>>(x/8)&1 == 1 {
					v = 255
				}
				c = [3]byte{v, v, v}
			}
			row[3*x], row[3*x+1], row[3*x+2] = c[0], c[1], c[2]
		}
	}
}

// pacer releases frames at a fixed rate, skipping ahead rather than
// bursting when the consumer of next fell behind.
type pacer struct {
	period time.Duration
	due    time.Time
}

func (p *pacer) reset(fps float64) {
	p.period = time.Duration(float64(time.Second) / fps)
	p.due = time.Time{}
}

func (p *pacer) wait(ctx context.Context) error {
	now := time.Now()
	if p.due.IsZero() || now.Sub(p.due) > p.period {
		p.due = now
	}
	if d := p.due.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	} else if err := ctx.Err(); err != nil {
		return err
	}
	p.due = p.due.Add(p.period)
	return nil
}
