package camera

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// PipeConfig configures OpenPipe.
type PipeConfig struct {
	// Command is the producer's argv. Empty means rpicam-vid, or
	// libcamera-vid on older Pi OS, from PATH with PipeArgs(cfg).
	Command []string
	// Format is I420 (rpicam-vid --codec yuv420) or MJPEG; Width and
	// Height are required for I420. Zero means I420 640×480.
	Format Format
	// FPS is passed to the default command; 0 means 30.
	FPS float64
	// MaxFrameBytes bounds one MJPEG frame; 0 means DefaultMaxJPEGBytes.
	MaxFrameBytes int
	// FrameTimeout restarts a producer that sends no frame for this long
	// (including its start-up); 0 means 10 s.
	FrameTimeout time.Duration
}

// PipeArgs returns the rpicam-vid arguments that stream cfg.Format to
// stdout without preview, forever.
func PipeArgs(cfg PipeConfig) []string {
	codec := "yuv420"
	if cfg.Format.Pixel == MJPEG || cfg.Format.Pixel == JPEG {
		codec = "mjpeg"
	}
	fps := cfg.FPS
	if fps == 0 {
		fps = 30
	}
	return []string{"-t", "0", "-n", "--codec", codec,
		"--width", strconv.Itoa(cfg.Format.Width), "--height", strconv.Itoa(cfg.Format.Height),
		"--framerate", strconv.FormatFloat(fps, 'g', -1, 64), "-o", "-"}
}

// OpenPipe streams frames that a child process writes to its stdout: the
// way to use Raspberry Pi CSI cameras, whose libcamera V4L2 compatibility
// layer is an LD_PRELOAD shim a static Go binary bypasses. The process is
// restarted with backoff when it exits or stalls.
func OpenPipe(cfg PipeConfig, o *Options) (*Stream, error) {
	if cfg.Format.Pixel == 0 {
		cfg.Format.Pixel = I420
	}
	if cfg.Format.Width == 0 && cfg.Format.Height == 0 {
		cfg.Format.Width, cfg.Format.Height = 640, 480
	}
	switch cfg.Format.Pixel {
	case I420, MJPEG, JPEG:
	default:
		return nil, fmt.Errorf("%w: pipe format %v (want I420 or MJPEG)", ErrConfig, cfg.Format.Pixel)
	}
	if err := checkSize(cfg.Format.Width, cfg.Format.Height); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.Format.Stride != 0 && cfg.Format.Stride < cfg.Format.Width {
		return nil, fmt.Errorf("%w: stride %d below width %d", ErrConfig, cfg.Format.Stride, cfg.Format.Width)
	}
	if cfg.MaxFrameBytes <= 0 {
		cfg.MaxFrameBytes = DefaultMaxJPEGBytes
	}
	if cfg.FrameTimeout <= 0 {
		cfg.FrameTimeout = 10 * time.Second
	}
	if len(cfg.Command) == 0 {
		for _, name := range []string{"rpicam-vid", "libcamera-vid"} {
			if p, err := exec.LookPath(name); err == nil {
				cfg.Command = append([]string{p}, PipeArgs(cfg)...)
				break
			}
		}
		if len(cfg.Command) == 0 {
			return nil, fmt.Errorf("%w: neither rpicam-vid nor libcamera-vid on PATH", ErrNoDevice)
		}
	}
	return newStream(&pipe{cfg: cfg}, o)
}

type pipe struct {
	cfg    PipeConfig
	cmd    *exec.Cmd
	stdout *os.File
	r      *bufio.Reader
	stderr *tailBuffer
	stop   func() bool // unregisters the ctx hook
	buf    []byte
}

func (p *pipe) String() string { return "pipe " + p.cfg.Command[0] }

func (p *pipe) open(ctx context.Context) (Format, error) {
	pr, pw, err := os.Pipe()
	if err != nil {
		return Format{}, err
	}
	cmd := exec.Command(p.cfg.Command[0], p.cfg.Command[1:]...)
	p.stderr = &tailBuffer{max: 2048}
	cmd.Stdout, cmd.Stderr = pw, p.stderr
	cmd.WaitDelay = 2 * time.Second
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return Format{}, permanent(fmt.Errorf("%w: %w", ErrConfig, err))
		}
		return Format{}, err
	}
	pw.Close() // the child holds its own copy
	p.cmd, p.stdout = cmd, pr
	p.r = bufio.NewReaderSize(pr, 256<<10)
	// cancelling ctx (Stream.Close) interrupts a blocked read at once
	p.stop = context.AfterFunc(ctx, func() { _ = pr.SetReadDeadline(time.Unix(1, 0)) })
	return p.cfg.Format, nil
}

func (p *pipe) next(ctx context.Context) ([]byte, Format, func(), error) {
	if err := p.stdout.SetReadDeadline(time.Now().Add(p.cfg.FrameTimeout)); err != nil {
		return nil, Format{}, nil, err
	}
	if ctx.Err() != nil {
		return nil, Format{}, nil, ctx.Err()
	}
	f := p.cfg.Format
	var err error
	switch f.Pixel {
	case I420:
		stride := max(f.Stride, f.Width)
		n := I420Size(f.Width, f.Height, stride)
		if cap(p.buf) < n {
			p.buf = make([]byte, n)
		}
		p.buf = p.buf[:n]
		_, err = io.ReadFull(p.r, p.buf)
	default:
		p.buf, err = readJPEG(p.r, p.buf, p.cfg.MaxFrameBytes)
	}
	if err != nil {
		clear(p.buf)
		return nil, Format{}, nil, p.failure(ctx, err)
	}
	return p.buf, f, func() { clear(p.buf) }, nil
}

// failure explains why reading stopped: cancelled, stalled, or the
// process exited (with its status and the tail of its stderr).
func (p *pipe) failure(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("%w: %s sent no frame for %v", ErrStalled, p.cfg.Command[0], p.cfg.FrameTimeout)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, ErrJPEG) {
		werr := p.wait()
		return fmt.Errorf("%w: %s: %v (exit: %v; stderr: %q)", ErrEnded, p.cfg.Command[0], err, werr, p.stderr.String())
	}
	return err
}

func (p *pipe) wait() error {
	if p.cmd == nil {
		return nil
	}
	err := p.cmd.Wait()
	p.cmd = nil
	return err
}

func (p *pipe) close() error {
	clear(p.buf)
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
	if p.cmd != nil {
		proc := p.cmd.Process
		_ = proc.Signal(os.Interrupt) // rpicam-vid stops cleanly on SIGINT
		kill := time.AfterFunc(2*time.Second, func() { _ = proc.Kill() })
		_ = p.wait()
		kill.Stop()
	}
	if p.stdout != nil {
		p.stdout.Close()
		p.stdout = nil
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it (a child's stderr).
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
