package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"os"
	"strconv"
	"testing"
	"time"
)

// The test binary doubles as a fake rpicam-vid: with FAKE_RPICAM set it
// writes frames to stdout like `rpicam-vid --codec yuv420|mjpeg -o -`.
//
//	FAKE_RPICAM=i420:W:H:STRIDE:N   N I420 frames, Y = frame number
//	FAKE_RPICAM=mjpeg:N             N JPEG frames without Huffman tables
//	FAKE_RPICAM=stall               one byte, then silence
//
// then exits with status 3, as a crashed camera stack would.
func TestMain(m *testing.M) {
	if mode := os.Getenv("FAKE_RPICAM"); mode != "" {
		fakeProducer(mode)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

func fakeProducer(mode string) {
	var p []int
	var kind string
	for i, f := range bytes.Split([]byte(mode), []byte(":")) {
		if i == 0 {
			kind = string(f)
			continue
		}
		n, _ := strconv.Atoi(string(f))
		p = append(p, n)
	}
	fmt.Fprintln(os.Stderr, "fake rpicam-vid starting", mode)
	switch kind {
	case "i420":
		w, h, stride, n := p[0], p[1], p[2], p[3]
		frame := make([]byte, I420Size(w, h, stride))
		for i := range n {
			for j := range frame {
				frame[j] = 128
			}
			for j := range stride * h {
				frame[j] = byte(16 + 10*i)
			}
			os.Stdout.Write(frame)
		}
	case "mjpeg":
		for i := range p[0] {
			var b bytes.Buffer
			if err := jpeg.Encode(&b, testImage(32, 16, 30*i), nil); err != nil {
				panic(err)
			}
			bare, err := dropDHT(b.Bytes())
			if err != nil {
				panic(err)
			}
			os.Stdout.Write(bare)
		}
	case "stall":
		os.Stdout.Write([]byte{0})
		time.Sleep(time.Hour)
	}
	fmt.Fprintln(os.Stderr, "fake rpicam-vid: camera lost")
}

func fakeCommand(t *testing.T, mode string) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("FAKE_RPICAM", mode)
	return []string{exe, "-test.run=^$"}
}

func TestPipeI420RestartsProducer(t *testing.T) {
	const w, h, stride = 6, 4, 8 // odd geometry and stride padding
	s, err := OpenPipe(PipeConfig{
		Command: fakeCommand(t, fmt.Sprintf("i420:%d:%d:%d:2", w, h, stride)),
		Format:  Format{Pixel: I420, Width: w, Height: h, Stride: stride},
	}, &Options{MinBackoff: 10 * time.Millisecond, Slots: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// each producer run sends 2 frames (Y = 16, 26) and exits: seeing
	// more than 2 frames proves the restart
	var lumas []byte
	for len(lumas) < 5 {
		f := nextFrame(t, s, 5*time.Second)
		if f.Width != w || f.Height != h {
			t.Fatalf("frame %dx%d", f.Width, f.Height)
		}
		r, g, b := f.RGB(w-1, h-1)
		if r != g || g != b {
			t.Fatalf("gray input gave %d,%d,%d", r, g, b)
		}
		if r != 0 && r != 12 { // Y = 16 or 26 in limited range
			t.Fatalf("gray frame converted to %d, want 0 or 12", r)
		}
		lumas = append(lumas, r)
		f.Release()
	}
	st := s.Status()
	if st.Reconnects == 0 {
		t.Fatalf("no restart recorded: %+v", st)
	}
	if !errors.Is(st.Err, ErrEnded) && st.State == StateReconnecting {
		t.Fatalf("reconnect error %v", st.Err)
	}
	t.Logf("lumas %v, status %v reconnects %d", lumas, st.State, st.Reconnects)
}

func TestPipeMJPEG(t *testing.T) {
	s, err := OpenPipe(PipeConfig{
		Command: fakeCommand(t, "mjpeg:3"),
		Format:  Format{Pixel: MJPEG, Width: 32, Height: 16},
	}, &Options{MinBackoff: time.Hour}) // no restart within the test
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := nextFrame(t, s, 5*time.Second)
	if f.Width != 32 || f.Height != 16 {
		t.Fatalf("frame %dx%d", f.Width, f.Height)
	}
	f.Release()
	deadline := time.Now().Add(5 * time.Second)
	for s.Status().State != StateReconnecting && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	st := s.Status()
	if st.State != StateReconnecting || !errors.Is(st.Err, ErrEnded) {
		t.Fatalf("after producer exit: %v %v", st.State, st.Err)
	}
	if !bytes.Contains([]byte(st.Err.Error()), []byte("camera lost")) || !bytes.Contains([]byte(st.Err.Error()), []byte("exit status 3")) {
		t.Fatalf("error lacks exit status or stderr: %v", st.Err)
	}
}

func TestPipeStallAndClose(t *testing.T) {
	s, err := OpenPipe(PipeConfig{
		Command:      fakeCommand(t, "stall"),
		Format:       Format{Pixel: I420, Width: 4, Height: 4},
		FrameTimeout: 100 * time.Millisecond,
	}, &Options{MinBackoff: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Status().State != StateReconnecting && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if st := s.Status(); !errors.Is(st.Err, ErrStalled) {
		t.Fatalf("stalled producer: %v %v", st.State, st.Err)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
}

func TestPipeConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  PipeConfig
		want error
	}{
		{PipeConfig{Command: []string{"x"}, Format: Format{Pixel: YUYV, Width: 4, Height: 4}}, ErrConfig},
		{PipeConfig{Command: []string{"x"}, Format: Format{Pixel: I420, Width: -1, Height: 4}}, ErrConfig},
		{PipeConfig{Command: []string{"x"}, Format: Format{Pixel: I420, Width: 8, Height: 4, Stride: 4}}, ErrConfig},
	} {
		if _, err := OpenPipe(c.cfg, nil); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", c.cfg, err, c.want)
		}
	}
	s, err := OpenPipe(PipeConfig{Command: []string{"/nonexistent/rpicam-vid"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrConfig) {
		t.Fatalf("missing binary: %v", err)
	}
	if st := s.Status(); st.State != StateFailed {
		t.Fatalf("state %v", st.State)
	}
	args := PipeArgs(PipeConfig{Format: Format{Pixel: MJPEG, Width: 1280, Height: 720}, FPS: 15})
	if got := fmt.Sprint(args); got != "[-t 0 -n --codec mjpeg --width 1280 --height 720 --framerate 15 -o -]" {
		t.Fatalf("PipeArgs %s", got)
	}
}
