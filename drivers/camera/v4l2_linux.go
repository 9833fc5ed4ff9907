//go:build linux

package camera

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blackjack/webcam"
	"golang.org/x/sys/unix"
)

// ListDevices opens every /dev/video* node that is a streaming capture
// device and reports its formats, sizes and frame rates. Nodes that are
// not capture devices (metadata nodes of UVC cameras, encoders) are left
// out; a node that cannot be opened is left out too.
func ListDevices() ([]DeviceInfo, error) { return listDevices(nil) }

// listDevices is ListDevices, enumerating sizes only for the formats in
// only (all when nil).
func listDevices(only []PixelFormat) ([]DeviceInfo, error) {
	paths, err := filepath.Glob("/dev/video*")
	if err != nil {
		return nil, err
	}
	slices.SortFunc(paths, func(a, b string) int { return videoIndex(a) - videoIndex(b) })
	var out []DeviceInfo
	for _, p := range paths {
		cam, err := webcam.Open(p)
		if err != nil {
			continue
		}
		out = append(out, describe(p, cam, only))
		cam.Close()
	}
	return out, nil
}

func videoIndex(p string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(p, "/dev/video"))
	if err != nil {
		return 1 << 30
	}
	return n
}

// describe enumerates a device. With only non-nil, sizes and rates are
// enumerated for those formats alone (vivid offers 83 formats, and a
// reopen should not walk them all).
func describe(path string, cam *webcam.Webcam, only []PixelFormat) DeviceInfo {
	info := DeviceInfo{Path: path}
	info.Name, _ = cam.GetName()
	info.Bus, _ = cam.GetBusInfo()
	for pf, desc := range cam.GetSupportedFormats() {
		fi := FormatInfo{Pixel: PixelFormat(pf), Description: desc}
		if only != nil && !slices.Contains(only, fi.Pixel) {
			info.Formats = append(info.Formats, fi)
			continue
		}
		for _, s := range cam.GetSupportedFrameSizes(pf) {
			si := SizeInfo{
				MinWidth: int(s.MinWidth), MaxWidth: int(s.MaxWidth), StepWidth: int(s.StepWidth),
				MinHeight: int(s.MinHeight), MaxHeight: int(s.MaxHeight), StepHeight: int(s.StepHeight),
			}
			for _, r := range cam.GetSupportedFramerates(pf, s.MaxWidth, s.MaxHeight) {
				// an interval num/den seconds is a rate den/num
				if r.MinNumerator > 0 {
					si.FPS = append(si.FPS, float64(r.MinDenominator)/float64(r.MinNumerator))
				}
				if r.StepNumerator != 0 && r.MaxNumerator > 0 {
					si.FPS = append(si.FPS, float64(r.MaxDenominator)/float64(r.MaxNumerator))
				}
			}
			fi.Sizes = append(fi.Sizes, si)
		}
		info.Formats = append(info.Formats, fi)
	}
	slices.SortFunc(info.Formats, func(a, b FormatInfo) int { return int(a.Pixel) - int(b.Pixel) })
	if only != nil {
		return info
	}
	for _, c := range cam.GetControls() {
		info.Controls = append(info.Controls, ControlInfo{Name: c.Name, Min: c.Min, Max: c.Max, Step: c.Step})
	}
	slices.SortFunc(info.Controls, func(a, b ControlInfo) int { return strings.Compare(a.Name, b.Name) })
	return info
}

// OpenDevice captures from a V4L2 device with mmap buffers. It negotiates
// the mode with Choose, applies the configured controls and reopens the
// device with backoff when it disappears (ENODEV) or stalls.
func OpenDevice(cfg DeviceConfig, o *Options) (*Stream, error) {
	cfg.defaults()
	if cfg.Buffers < 2 || cfg.Buffers > 32 {
		return nil, fmt.Errorf("%w: %d buffers (want 2..32)", ErrConfig, cfg.Buffers)
	}
	for _, f := range cfg.Formats {
		if !f.Decodable() {
			return nil, fmt.Errorf("%w: %v", ErrFormat, f)
		}
	}
	if cfg.Path == "" {
		devs, err := listDevices(cfg.Formats)
		if err != nil {
			return nil, err
		}
		for _, d := range devs {
			if _, err := Choose(d, cfg); err == nil {
				cfg.Path = d.Path
				break
			}
		}
		if cfg.Path == "" {
			return nil, fmt.Errorf("%w: none of %d video devices offers %v", ErrNoDevice, len(devs), cfg.Formats)
		}
	}
	return newStream(&device{cfg: cfg, log: loggerOf(o)}, o)
}

type device struct {
	cfg  DeviceConfig
	log  *slog.Logger
	mu   sync.Mutex // guards cam for SetControl from other goroutines
	cam  *webcam.Webcam
	mode Mode
}

func (d *device) String() string { return "v4l2 " + d.cfg.Path }

func (d *device) open(context.Context) (Format, error) {
	cam, err := webcam.Open(d.cfg.Path)
	if err != nil {
		return Format{}, fmt.Errorf("open %s: %w", d.cfg.Path, classify(err))
	}
	mode, err := Choose(describe(d.cfg.Path, cam, d.cfg.Formats), d.cfg)
	if err != nil {
		cam.Close()
		return Format{}, permanent(err)
	}
	pf, w, h, err := cam.SetImageFormat(webcam.PixelFormat(mode.Pixel), uint32(mode.Width), uint32(mode.Height))
	if err != nil {
		cam.Close()
		return Format{}, fmt.Errorf("%s: set format %v: %w", d.cfg.Path, mode.Format, classify(err))
	}
	if PixelFormat(pf) != mode.Pixel || int(w) != mode.Width || int(h) != mode.Height {
		cam.Close()
		return Format{}, permanent(fmt.Errorf("%w: %s: driver changed %v to %v %dx%d", ErrNoMode, d.cfg.Path, mode.Format, PixelFormat(pf), w, h))
	}
	if mode.FPS > 0 {
		// not every driver supports S_PARM; the default rate then stays
		_ = cam.SetFramerate(float32(mode.FPS))
	}
	d.applyControls(cam)
	if err := cam.SetBufferCount(uint32(d.cfg.Buffers)); err != nil {
		cam.Close()
		return Format{}, err
	}
	if err := cam.StartStreaming(); err != nil {
		cam.Close()
		return Format{}, fmt.Errorf("%s: %w", d.cfg.Path, classify(err))
	}
	d.mu.Lock()
	d.cam, d.mode = cam, mode
	d.mu.Unlock()
	return mode.Format, nil
}

func (d *device) applyControls(cam *webcam.Webcam) {
	if len(d.cfg.Controls) == 0 {
		return
	}
	ctrls := cam.GetControls()
	for name, v := range d.cfg.Controls {
		found := false
		for id, c := range ctrls {
			if strings.EqualFold(c.Name, name) {
				found = true
				v = min(max(v, c.Min), c.Max)
				if err := cam.SetControl(id, v); err != nil {
					d.log.Warn("camera: set control", "device", d.cfg.Path, "control", name, "err", err)
				}
			}
		}
		if !found {
			d.log.Warn("camera: control not offered", "device", d.cfg.Path, "control", name)
		}
	}
}

// next waits up to FrameTimeout for a frame, in one-second polls so a
// cancelled ctx is noticed within a second.
func (d *device) next(ctx context.Context) ([]byte, Format, func(), error) {
	deadline := time.Now().Add(d.cfg.FrameTimeout)
	for {
		if err := ctx.Err(); err != nil {
			return nil, Format{}, nil, err
		}
		err := d.cam.WaitForFrame(1)
		var timeout *webcam.Timeout
		switch {
		case errors.As(err, &timeout):
			if time.Now().After(deadline) {
				return nil, Format{}, nil, fmt.Errorf("%w: %s for %v", ErrStalled, d.cfg.Path, d.cfg.FrameTimeout)
			}
			continue
		case err != nil:
			return nil, Format{}, nil, fmt.Errorf("%s: poll: %w", d.cfg.Path, classify(err))
		}
		buf, idx, err := d.cam.GetFrame()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, Format{}, nil, fmt.Errorf("%s: dequeue: %w", d.cfg.Path, classify(err))
		}
		cam := d.cam
		return buf, d.mode.Format, func() { _ = cam.ReleaseFrame(idx) }, nil
	}
}

func (d *device) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cam == nil {
		return nil
	}
	err := d.cam.Close()
	d.cam = nil
	if errors.Is(err, unix.ENODEV) {
		err = nil
	}
	return err
}

// classify marks a vanished device with ErrDisconnected (the stream reopens
// it) and keeps the errno for errors.Is.
func classify(err error) error {
	var errno unix.Errno
	if errors.As(err, &errno) && (errno == unix.ENODEV || errno == unix.ENOENT || errno == unix.ENXIO || errno == unix.EIO) {
		return fmt.Errorf("%w: %w", ErrDisconnected, err)
	}
	if strings.Contains(err.Error(), "no such device") {
		return fmt.Errorf("%w: %v", ErrDisconnected, err)
	}
	return err
}
