package camera

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func nextFrame(t *testing.T, s Source, timeout time.Duration) *Frame {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	f, err := s.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v (status %+v)", err, s.Status())
	}
	return f
}

func TestSyntheticFramesDiffer(t *testing.T) {
	s, err := NewSynthetic(SyntheticConfig{Width: 64, Height: 48, FPS: 200}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var prev []byte
	var lastSeq uint64
	for range 5 {
		f := nextFrame(t, s, 10*time.Second)
		if f.Width != 64 || f.Height != 48 || len(f.Pix) != 64*48*3 {
			t.Fatalf("frame %dx%d, %d bytes", f.Width, f.Height, len(f.Pix))
		}
		if f.Seq <= lastSeq {
			t.Fatalf("seq %d after %d", f.Seq, lastSeq)
		}
		lastSeq = f.Seq
		if prev != nil && bytes.Equal(prev, f.Pix) {
			t.Fatal("consecutive frames identical")
		}
		prev = append(prev[:0], f.Pix...)
		f.Release()
	}
	time.Sleep(20 * time.Millisecond) // let a frame wait unconsumed in the ring
	if st := s.Status(); st.State != StateStreaming || st.Frames < 5 || st.Format.Pixel != RGB24 {
		t.Fatalf("status %+v", st)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	if st := s.Status(); st.State != StateClosed {
		t.Fatalf("state after close %v", st.State)
	}
}

func TestFilesDirectoryAndMJPEG(t *testing.T) {
	dir := t.TempDir()
	imgs := []*Frame{}
	for i := range 3 {
		img := testImage(32, 16, 40*i)
		var buf bytes.Buffer
		name := filepath.Join(dir, "f"+string(rune('0'+i)))
		if i == 1 {
			if err := png.Encode(&buf, img); err != nil {
				t.Fatal(err)
			}
			name += ".png"
		} else {
			buf.Write(encodeJPEG(t, img))
			name += ".jpg"
		}
		if err := os.WriteFile(name, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		f := &Frame{}
		var d JPEGDecoder
		if i != 1 {
			if err := d.Decode(f, buf.Bytes(), 0, 0); err != nil {
				t.Fatal(err)
			}
		} else {
			f, _ = NewFrame(32, 16)
			if err := genericToRGB(f, img); err != nil {
				t.Fatal(err)
			}
		}
		imgs = append(imgs, f)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFiles(FilesConfig{Path: dir, FPS: 500}, &Options{Slots: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// a slow consumer may miss frames (newest wins), so hold none and
	// read quickly; with 500 fps and 8 slots at most a frame or two drops
	seen := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		f, err := s.Next(ctx)
		cancel()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		want := imgs[f.Seq-1]
		if !bytes.Equal(f.Pix, want.Pix) {
			t.Errorf("frame %d differs from file %d", f.Seq, f.Seq-1)
		}
		seen++
		f.Release()
	}
	if seen == 0 || s.Status().State != StateEnded {
		t.Fatalf("saw %d frames, state %v", seen, s.Status().State)
	}

	// an .mjpeg recording: the same JPEGs concatenated, looped
	var rec []byte
	for _, i := range []int{0, 2} {
		b, _ := os.ReadFile(filepath.Join(dir, "f"+string(rune('0'+i))+".jpg"))
		rec = append(rec, stripDHT(t, b)...)
	}
	recPath := filepath.Join(t.TempDir(), "rec.mjpeg")
	if err := os.WriteFile(recPath, rec, 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := OpenFiles(FilesConfig{Path: recPath, FPS: 200, Loop: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for range 5 { // more than the file holds: looping
		f := nextFrame(t, m, 10*time.Second)
		if !bytes.Equal(f.Pix, imgs[0].Pix) && !bytes.Equal(f.Pix, imgs[2].Pix) {
			t.Fatal("mjpeg frame matches no source image")
		}
		f.Release()
	}
}

func TestFilesErrors(t *testing.T) {
	if _, err := OpenFiles(FilesConfig{Path: filepath.Join(t.TempDir(), "nope")}, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("missing path: %v", err)
	}
	if _, err := OpenFiles(FilesConfig{Path: t.TempDir()}, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("empty dir: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.mjpeg")
	os.WriteFile(bad, []byte("\xff\xd8\xff\xc0\x00\x05junk"), 0o600)
	s, err := OpenFiles(FilesConfig{Path: bad, FPS: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Next(context.Background()); !errors.Is(err, ErrJPEG) {
		t.Fatalf("corrupt recording: %v", err)
	}
	if st := s.Status(); st.State != StateFailed {
		t.Fatalf("state %v", st.State)
	}
}

func TestChoose(t *testing.T) {
	vivid := DeviceInfo{Path: "/dev/video0", Formats: []FormatInfo{
		{Pixel: YUYV, Sizes: []SizeInfo{
			{MaxWidth: 320, MaxHeight: 180, FPS: []float64{30, 60}},
			{MaxWidth: 640, MaxHeight: 480, FPS: []float64{15, 30}},
			{MaxWidth: 1280, MaxHeight: 720, FPS: []float64{10}},
		}},
		{Pixel: MJPEG, Sizes: []SizeInfo{{MaxWidth: 1920, MaxHeight: 1080, FPS: []float64{30}}}},
		{Pixel: fourcc('N', 'V', '1', '2'), Sizes: []SizeInfo{{MaxWidth: 640, MaxHeight: 480}}},
	}}
	stepwise := DeviceInfo{Path: "/dev/video1", Formats: []FormatInfo{
		{Pixel: MJPEG, Sizes: []SizeInfo{{MinWidth: 16, MaxWidth: 4096, StepWidth: 16, MinHeight: 16, MaxHeight: 2160, StepHeight: 8, FPS: []float64{1, 90}}}},
	}}
	for _, c := range []struct {
		name string
		info DeviceInfo
		cfg  DeviceConfig
		want Mode
		err  error
	}{
		{"default", vivid, DeviceConfig{}, Mode{Format{YUYV, 640, 480, 0}, 30}, nil},
		{"bigger than target", vivid, DeviceConfig{Width: 800, Height: 600}, Mode{Format{YUYV, 1280, 720, 0}, 10}, nil},
		{"larger than all", vivid, DeviceConfig{Width: 4000, Height: 3000}, Mode{Format{YUYV, 1280, 720, 0}, 10}, nil},
		{"fps nearest", vivid, DeviceConfig{Width: 320, Height: 180, FPS: 50}, Mode{Format{YUYV, 320, 180, 0}, 60}, nil},
		{"mjpeg preferred", vivid, DeviceConfig{Formats: []PixelFormat{MJPEG, YUYV}}, Mode{Format{MJPEG, 1920, 1080, 0}, 30}, nil},
		{"stepwise snaps", stepwise, DeviceConfig{Width: 650, Height: 487}, Mode{Format{MJPEG, 640, 480, 0}, 1}, nil},
		{"nothing decodable", DeviceInfo{Formats: vivid.Formats[2:]}, DeviceConfig{}, Mode{}, ErrNoMode},
		{"undecodable wish", vivid, DeviceConfig{Formats: []PixelFormat{fourcc('N', 'V', '1', '2')}}, Mode{}, ErrFormat},
	} {
		got, err := Choose(c.info, c.cfg)
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestPixelFormatString(t *testing.T) {
	for _, c := range []struct {
		p    PixelFormat
		want string
	}{{YUYV, "YUYV"}, {MJPEG, "MJPG"}, {I420, "YU12"}, {fourcc('R', 'G', 'B', 'R') | 1<<31, "RGBR-BE"}, {1, "????"}} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%#x: %q, want %q", uint32(c.p), got, c.want)
		}
	}
}
