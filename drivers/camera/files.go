package camera

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// FilesConfig configures OpenFiles.
type FilesConfig struct {
	// Path is a directory of .jpg/.jpeg/.png images, played in name
	// order, or a file of concatenated JPEG frames (an .mjpeg recording,
	// e.g. from ffmpeg -f mjpeg or rpicam-vid --codec mjpeg).
	Path string
	// FPS is the playback rate; 0 means 15.
	FPS float64
	// Loop restarts at the first frame after the last; otherwise the
	// stream ends and Next returns io.EOF.
	Loop bool
	// MaxFrameBytes bounds one image file or frame; 0 means
	// DefaultMaxJPEGBytes.
	MaxFrameBytes int
}

// OpenFiles plays recorded frames as a stream, for demos, tests and MJPEG
// fixtures. Files are only read.
func OpenFiles(cfg FilesConfig, o *Options) (*Stream, error) {
	if cfg.FPS == 0 {
		cfg.FPS = 15
	}
	if cfg.FPS < 0 || cfg.FPS > 1000 {
		return nil, fmt.Errorf("%w: files fps %v", ErrConfig, cfg.FPS)
	}
	if cfg.MaxFrameBytes <= 0 {
		cfg.MaxFrameBytes = DefaultMaxJPEGBytes
	}
	fi, err := os.Stat(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	fc := &files{cfg: cfg}
	if fi.IsDir() {
		ents, err := os.ReadDir(cfg.Path)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		for _, e := range ents {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".jpg", ".jpeg", ".png":
				if e.Type().IsRegular() {
					fc.list = append(fc.list, filepath.Join(cfg.Path, e.Name()))
				}
			}
		}
		slices.Sort(fc.list)
		if len(fc.list) == 0 {
			return nil, fmt.Errorf("%w: no .jpg or .png images in %s", ErrConfig, cfg.Path)
		}
	}
	return newStream(fc, o)
}

type files struct {
	cfg   FilesConfig
	list  []string // images of a directory; nil for an MJPEG file
	i     int
	f     *os.File      // MJPEG file
	r     *bufio.Reader // on f
	buf   []byte
	pacer pacer
	done  bool
}

func (c *files) String() string { return "files " + c.cfg.Path }

func (c *files) open(context.Context) (Format, error) {
	if c.done {
		return Format{}, io.EOF
	}
	c.pacer.reset(c.cfg.FPS)
	if c.list != nil {
		return Format{Pixel: MJPEG}, nil
	}
	f, err := os.Open(c.cfg.Path)
	if err != nil {
		return Format{}, err
	}
	c.f, c.r = f, bufio.NewReaderSize(f, 64<<10)
	return Format{Pixel: MJPEG}, nil
}

func (c *files) next(ctx context.Context) ([]byte, Format, func(), error) {
	if err := c.pacer.wait(ctx); err != nil {
		return nil, Format{}, nil, err
	}
	release := func() { clear(c.buf) }
	if c.list == nil {
		b, err := readJPEG(c.r, c.buf, c.cfg.MaxFrameBytes)
		c.buf = b[:0]
		if err == io.EOF && c.cfg.Loop {
			if _, err := c.f.Seek(0, io.SeekStart); err != nil {
				return nil, Format{}, nil, err
			}
			c.r.Reset(c.f)
			b, err = readJPEG(c.r, c.buf, c.cfg.MaxFrameBytes)
		}
		if err == io.EOF {
			c.done = true
			return nil, Format{}, nil, io.EOF
		}
		if err != nil {
			clear(b)
			return nil, Format{}, nil, permanent(fmt.Errorf("%s: %w", c.cfg.Path, err))
		}
		return b, Format{Pixel: MJPEG}, release, nil
	}
	if c.i == len(c.list) {
		if !c.cfg.Loop {
			c.done = true
			return nil, Format{}, nil, io.EOF
		}
		c.i = 0
	}
	name := c.list[c.i]
	c.i++
	raw, f, err := c.load(name)
	if err != nil {
		clear(c.buf)
		return nil, Format{}, nil, permanent(fmt.Errorf("%s: %w", name, err))
	}
	return raw, f, release, nil
}

// load reads one image file: JPEG bytes are passed on for decoding, PNGs
// are decoded here to RGB24.
func (c *files) load(name string) ([]byte, Format, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, Format{}, err
	}
	defer f.Close()
	b, err := readAllMax(f, c.buf, c.cfg.MaxFrameBytes)
	c.buf = b[:0]
	if err != nil {
		return nil, Format{}, err
	}
	if !strings.EqualFold(filepath.Ext(name), ".png") {
		return b, Format{Pixel: MJPEG}, nil
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, Format{}, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	if err := checkSize(cfg.Width, cfg.Height); err != nil {
		return nil, Format{}, err
	}
	img, err := png.Decode(bytes.NewReader(b))
	clear(b)
	if err != nil {
		return nil, Format{}, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	defer zeroImage(img)
	fr := &Frame{}
	fr.resize(cfg.Width, cfg.Height)
	if err := genericToRGB(fr, img); err != nil {
		return nil, Format{}, err
	}
	c.buf = append(c.buf[:0], fr.Pix...)
	clear(fr.Pix)
	return c.buf, Format{Pixel: RGB24, Width: cfg.Width, Height: cfg.Height}, nil
}

func (c *files) close() error {
	clear(c.buf)
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f, c.r = nil, nil
	return err
}

// readAllMax reads r into buf[:0], failing with ErrTooLarge past max bytes.
func readAllMax(r io.Reader, buf []byte, max int) ([]byte, error) {
	b := buf[:0]
	lr := io.LimitReader(r, int64(max)+1)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, 64<<10)
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if len(b) > max {
			clear(b)
			return b[:0], fmt.Errorf("%w: more than %d bytes", ErrTooLarge, max)
		}
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}
