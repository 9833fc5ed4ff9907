package camera

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// DeviceInfo describes a V4L2 capture device, as ListDevices found it.
type DeviceInfo struct {
	Path     string // e.g. /dev/video0
	Name     string // card name, e.g. "HD Webcam"
	Bus      string // bus info, e.g. "usb-0000:01:00.0-1.3"
	Formats  []FormatInfo
	Controls []ControlInfo // integer, boolean and menu controls
}

// ControlInfo is a device control such as "Brightness" with its range.
type ControlInfo struct {
	Name     string
	Min, Max int32
	Step     int32
}

// FormatInfo is one pixel format a device offers, with its frame sizes.
type FormatInfo struct {
	Pixel       PixelFormat
	Description string
	Sizes       []SizeInfo
}

// SizeInfo is a discrete frame size (Step zero) or a stepwise range, with
// the frame rates offered at its maximum (discrete) size.
type SizeInfo struct {
	MinWidth, MaxWidth, StepWidth    int
	MinHeight, MaxHeight, StepHeight int
	FPS                              []float64 // discrete rates, or [min, max] of a range
}

// Mode is a capture configuration chosen for a device.
type Mode struct {
	Format
	FPS float64 // 0: leave the driver's default rate
}

// DeviceConfig configures OpenDevice.
type DeviceConfig struct {
	// Path of the device; empty means the first capture device ListDevices
	// returns that offers a decodable format.
	Path string
	// Formats in order of preference; empty means YUYV, then MJPEG.
	Formats []PixelFormat
	// Width and Height are the target size; 0 means 640×480.
	Width, Height int
	// FPS is the target rate; 0 means 30.
	FPS float64
	// Buffers is the number of mmap buffers; 0 means 4.
	Buffers int
	// Controls are set by name (case-insensitive, e.g. "Brightness",
	// "Exposure Time, Absolute") after opening, where the device offers
	// them; others are reported in the log and ignored.
	Controls map[string]int32
	// FrameTimeout restarts a device that delivers no frame for this long;
	// 0 means 5 s.
	FrameTimeout time.Duration
}

func (c *DeviceConfig) defaults() {
	if len(c.Formats) == 0 {
		c.Formats = []PixelFormat{YUYV, MJPEG}
	}
	if c.Width == 0 && c.Height == 0 {
		c.Width, c.Height = 640, 480
	}
	if c.FPS == 0 {
		c.FPS = 30
	}
	if c.Buffers == 0 {
		c.Buffers = 4
	}
	if c.FrameTimeout == 0 {
		c.FrameTimeout = 5 * time.Second
	}
}

// Choose picks a capture mode from a device's offer: the most preferred
// decodable format; within it the exact target size if offered, else the
// smallest size at least as large as the target, else the largest; then
// the offered rate closest to the target, preferring faster ones.
func Choose(info DeviceInfo, cfg DeviceConfig) (Mode, error) {
	cfg.defaults()
	for _, want := range cfg.Formats {
		if !want.Decodable() {
			return Mode{}, fmt.Errorf("%w: %v", ErrFormat, want)
		}
		i := slices.IndexFunc(info.Formats, func(f FormatInfo) bool { return f.Pixel == want })
		if i < 0 || len(info.Formats[i].Sizes) == 0 {
			continue
		}
		w, h, fps := chooseSize(info.Formats[i].Sizes, cfg.Width, cfg.Height, cfg.FPS)
		return Mode{Format: Format{Pixel: want, Width: w, Height: h}, FPS: fps}, nil
	}
	offered := make([]string, 0, len(info.Formats))
	for _, f := range info.Formats {
		offered = append(offered, f.Pixel.String())
	}
	return Mode{}, fmt.Errorf("%w: %s offers %v, wanted %v", ErrNoMode, info.Path, offered, cfg.Formats)
}

func chooseSize(sizes []SizeInfo, tw, th int, tfps float64) (w, h int, fps float64) {
	type cand struct {
		w, h int
		fps  []float64
	}
	var cands []cand
	for _, s := range sizes {
		if s.StepWidth == 0 && s.StepHeight == 0 {
			cands = append(cands, cand{s.MaxWidth, s.MaxHeight, s.FPS})
			continue
		}
		// a range: the target clamped into it and snapped to the steps
		cw := snap(tw, s.MinWidth, s.MaxWidth, s.StepWidth)
		ch := snap(th, s.MinHeight, s.MaxHeight, s.StepHeight)
		cands = append(cands, cand{cw, ch, s.FPS})
	}
	area := func(c cand) int { return c.w * c.h }
	best := -1
	for i, c := range cands {
		switch {
		case c.w == tw && c.h == th:
			best = i
		case best >= 0 && cands[best].w == tw && cands[best].h == th:
		case best < 0:
			best = i
		default:
			b := cands[best]
			bigEnough, bBig := c.w >= tw && c.h >= th, b.w >= tw && b.h >= th
			if (bigEnough && !bBig) || (bigEnough && bBig && area(c) < area(b)) || (!bigEnough && !bBig && area(c) > area(b)) {
				best = i
			}
		}
	}
	c := cands[best]
	fps = 0
	for _, f := range c.fps {
		if fps == 0 || math.Abs(f-tfps) < math.Abs(fps-tfps) || (math.Abs(f-tfps) == math.Abs(fps-tfps) && f > fps) {
			fps = f
		}
	}
	return c.w, c.h, fps
}

func snap(v, lo, hi, step int) int {
	v = min(max(v, lo), hi)
	if step > 1 {
		v = lo + (v-lo)/step*step
	}
	return v
}
