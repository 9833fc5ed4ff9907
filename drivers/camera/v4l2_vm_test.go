//go:build vmtest && linux

package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/blackjack/webcam"

	"github.com/vouchkiosk/vouch/tools/vmtest/vmenv"
)

// These tests run against vivid, the kernel's virtual V4L2 driver, in the
// vmtest VM (make vmtest). /init loads it as one webcam-like capture node,
// /dev/video0.

const vividDev = "/dev/video0"

// vividDisconnect is vivid's "Disconnect" button (VIVID_CID_VIVID_BASE+65,
// drivers/media/test-drivers/vivid/vivid-ctrls.c): the node then fails
// every ioctl with ENODEV until its last user closes it.
const vividDisconnect = 0x00f0f000 + 65

func vividOptions() *Options {
	return &Options{MinBackoff: 200 * time.Millisecond, MaxBackoff: time.Second}
}

func TestVMListDevices(t *testing.T) {
	vmenv.Need(t, vividDev)
	devs, err := ListDevices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 || devs[0].Path != vividDev || devs[0].Name != "vivid" {
		t.Fatalf("devices %+v", devs)
	}
	d := devs[0]
	i := slices.IndexFunc(d.Formats, func(f FormatInfo) bool { return f.Pixel == YUYV })
	if i < 0 {
		t.Fatalf("no YUYV among %d formats", len(d.Formats))
	}
	var sizes []string
	has640 := false
	for _, s := range d.Formats[i].Sizes {
		sizes = append(sizes, fmt.Sprintf("%dx%d", s.MaxWidth, s.MaxHeight))
		if s.MaxWidth == 640 && s.MaxHeight == 480 && len(s.FPS) > 0 {
			has640 = true
		}
	}
	t.Logf("%s %q bus %q: %d formats; YUYV sizes %v", d.Path, d.Name, d.Bus, len(d.Formats), sizes)
	if !has640 {
		t.Fatal("YUYV 640x480 with frame rates not offered")
	}
	if !slices.ContainsFunc(d.Controls, func(c ControlInfo) bool { return c.Name == "Brightness" && c.Max > c.Min }) {
		t.Fatalf("no Brightness control among %d", len(d.Controls))
	}
}

// TestVMCaptureYUYV: at least 30 frames of YUYV 640×480 through the mmap
// path, each the right size, consecutive frames different (vivid draws a
// moving pattern and a frame counter), controls applied by name.
func TestVMCaptureYUYV(t *testing.T) {
	vmenv.Need(t, vividDev)
	s, err := OpenDevice(DeviceConfig{
		Path: vividDev, Width: 640, Height: 480,
		Controls: map[string]int32{"Horizontal Movement": 6, "Brightness": 200, "No Such Control": 1},
	}, vividOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var prev []byte
	var lastSeq uint64
	start := time.Now()
	for n := 0; n < 30; n++ {
		f := nextFrame(t, s, 10*time.Second)
		if f.Width != 640 || f.Height != 480 || f.Stride != 1920 || len(f.Pix) != 640*480*3 {
			t.Fatalf("frame %d: %dx%d stride %d, %d bytes", n, f.Width, f.Height, f.Stride, len(f.Pix))
		}
		if f.Seq <= lastSeq {
			t.Fatalf("seq %d after %d", f.Seq, lastSeq)
		}
		if prev != nil && bytes.Equal(prev, f.Pix) {
			t.Fatalf("frame %d identical to the previous one", n)
		}
		lastSeq = f.Seq
		prev = append(prev[:0], f.Pix...)
		f.Release()
	}
	st := s.Status()
	t.Logf("30 frames in %v; status %v %v, published %d, dropped %d", time.Since(start), st.State, st.Format, st.Frames, st.Dropped)
	if st.Format != (Format{Pixel: YUYV, Width: 640, Height: 480}) {
		t.Fatalf("negotiated %v", st.Format)
	}
	// the controls reached the driver: read them back on a second handle
	cam, err := webcam.Open(vividDev)
	if err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	for id, c := range cam.GetControls() {
		if c.Name == "Brightness" {
			if v, err := cam.GetControl(id); err != nil || v != 200 {
				t.Fatalf("Brightness = %d, %v; want 200", v, err)
			}
			return
		}
	}
	t.Fatal("vivid offers no Brightness control")
}

// TestVMFormatNegotiation: preference order, size selection and the RGB24
// path, each checked on real frames.
func TestVMFormatNegotiation(t *testing.T) {
	vmenv.Need(t, vividDev)
	for _, c := range []struct {
		name string
		cfg  DeviceConfig
		want Format
	}{
		{"MJPEG unavailable falls back to YUYV", DeviceConfig{Formats: []PixelFormat{MJPEG, YUYV}, Width: 320, Height: 180}, Format{Pixel: YUYV, Width: 320, Height: 180}},
		{"800x600 rounds up to 1280x720", DeviceConfig{Formats: []PixelFormat{YUYV}, Width: 800, Height: 600}, Format{Pixel: YUYV, Width: 1280, Height: 720}},
		{"RGB24 passthrough", DeviceConfig{Formats: []PixelFormat{RGB24}, Width: 640, Height: 360}, Format{Pixel: RGB24, Width: 640, Height: 360}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.cfg.Path = vividDev
			s, err := OpenDevice(c.cfg, vividOptions())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			f := nextFrame(t, s, 10*time.Second)
			defer f.Release()
			if got := s.Status().Format; got != c.want {
				t.Fatalf("negotiated %v, want %v", got, c.want)
			}
			if f.Width != c.want.Width || f.Height != c.want.Height {
				t.Fatalf("frame %dx%d", f.Width, f.Height)
			}
			// vivid's colour bars: the frame is not uniform
			if bytes.Count(f.Pix, f.Pix[:1]) == len(f.Pix) {
				t.Fatal("uniform frame")
			}
		})
	}
	// the stream starts; the device's answer (no MJPEG) ends it for good
	s, err := OpenDevice(DeviceConfig{Path: vividDev, Formats: []PixelFormat{MJPEG}}, vividOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrNoMode) {
		t.Fatalf("MJPEG-only on vivid: %v, want ErrNoMode", err)
	}
}

// TestVMDisconnectRecovers pulls the device away mid-stream twice: first
// with vivid's Disconnect control (ENODEV on the open node), then by
// unloading and reloading the vivid module (the node disappears). The
// stream must report reconnecting and deliver frames again both times.
func TestVMDisconnectRecovers(t *testing.T) {
	vmenv.Need(t, vividDev)
	modPath, modParams := vmenv.Module(t, "vivid")
	s, err := OpenDevice(DeviceConfig{Path: vividDev, Width: 640, Height: 480}, &Options{MinBackoff: 500 * time.Millisecond, MaxBackoff: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nextFrame(t, s, 10*time.Second).Release()

	waitState := func(want State) Status {
		t.Helper()
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if st := s.Status(); st.State == want {
				return st
			}
		}
		t.Fatalf("state %v never reached; status %+v", want, s.Status())
		return Status{}
	}

	// 1. Disconnect control, set on a second handle
	cam, err := webcam.Open(vividDev)
	if err != nil {
		t.Fatal(err)
	}
	if err := cam.SetControl(vividDisconnect, 0); err != nil {
		t.Fatalf("vivid Disconnect: %v", err)
	}
	cam.Close()
	st := waitState(StateReconnecting)
	lost := time.Now()
	if !errors.Is(st.Err, ErrDisconnected) {
		t.Fatalf("disconnect reported as %v", st.Err)
	}
	t.Logf("after Disconnect: %v: %v", st.State, st.Err)
	// a frame captured before the loss may still wait in the ring: take
	// frames until one was captured after it
	for {
		f := nextFrame(t, s, 10*time.Second)
		fresh := f.Time.After(lost)
		seq := f.Seq
		f.Release()
		if fresh {
			t.Logf("frames again after %d reconnect(s) (seq %d)", s.Status().Reconnects, seq)
			break
		}
	}

	// 2. unload vivid while streaming: the open node pins the module, so
	// first make the stream drop it (Disconnect again), then rmmod in its
	// backoff window
	cam, err = webcam.Open(vividDev)
	if err != nil {
		t.Fatal(err)
	}
	cam.SetControl(vividDisconnect, 0)
	cam.Close()
	waitState(StateReconnecting)
	var out []byte
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		out, err = exec.Command("rmmod", "vivid").CombinedOutput()
		if err == nil || time.Now().After(end) {
			break
		}
	}
	if err != nil {
		t.Fatalf("rmmod vivid: %v: %s", err, out)
	}
	if _, err := os.Stat(vividDev); err == nil {
		t.Fatal("/dev/video0 still present after rmmod")
	}
	time.Sleep(1500 * time.Millisecond) // at least one failed reopen
	st = s.Status()
	if st.State != StateReconnecting || !errors.Is(st.Err, ErrDisconnected) {
		t.Fatalf("with the module unloaded: %v %v", st.State, st.Err)
	}
	t.Logf("module unloaded: %v: %v (reconnect attempts %d)", st.State, st.Err, st.Reconnects)
	if out, err := exec.Command("insmod", append([]string{modPath}, modParams...)...).CombinedOutput(); err != nil {
		t.Fatalf("insmod vivid: %v: %s", err, out)
	}
	for i := range 5 {
		f := nextFrame(t, s, 15*time.Second)
		if f.Width != 640 || f.Height != 480 {
			t.Fatalf("frame %d after reload %dx%d", i, f.Width, f.Height)
		}
		f.Release()
	}
	st = s.Status()
	t.Logf("module reloaded: %v (last error %v), reconnects %d, frames %d", st.State, st.Err, st.Reconnects, st.Frames)
	if st.State != StateStreaming {
		t.Fatalf("not streaming after reload: %v", st.State)
	}
}

func TestVMProbe(t *testing.T) {
	vmenv.Need(t, vividDev)
	for _, c := range []struct {
		cfg  DeviceConfig
		want ProbeState
	}{
		{DeviceConfig{}, ProbeOK},
		{DeviceConfig{Formats: []PixelFormat{MJPEG}}, ProbeFailed},
		{DeviceConfig{Path: "/dev/video9"}, ProbeFailed},
	} {
		r := Probe(c.cfg)
		t.Logf("%+v: %v: %s", c.cfg, r.State, r.Reason)
		if r.State != c.want {
			t.Errorf("Probe(%+v) = %v, want %v", c.cfg, r.State, c.want)
		}
	}
}
