package sim

import (
	"context"
	"errors"
	"io"
	"os"
	"sync"
)

// Module is anything that speaks a fingerprint protocol on a byte stream:
// the R30x Sensor and the GT521 simulator.
type Module interface {
	Serve(ctx context.Context, rw io.ReadWriter) error
}

// ErrUnsupported is returned by StartPTY where pseudo-terminals cannot be
// configured (non-Linux builds).
var ErrUnsupported = errors.New("sim: pseudo-terminals unsupported on this platform")

// PTY runs a simulated module on the master side of a pseudo-terminal
// pair. The driver opens Path exactly as it would open a real UART. Unplug
// and Replug make the device node vanish and come back, like a USB serial
// adapter pulled and reinserted. Safe for concurrent use.
type PTY struct {
	// Path is the device the driver opens: the symlink given to StartPTY,
	// or the slave node (/dev/pts/N) when none was given.
	Path string

	mod  Module
	link string

	mu     sync.Mutex
	master *os.File
	slave  *os.File
	cancel context.CancelFunc
	done   chan error
}

// StartPTY creates a pty pair in raw mode and serves mod on its master
// until Close. If link is not empty, Path is a symlink at link pointing to
// the slave node (a stable name across Replug, like /dev/serial/by-id).
func StartPTY(ctx context.Context, mod Module, link string) (*PTY, error) {
	p := &PTY{mod: mod, link: link}
	if err := p.plug(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *PTY) plug(ctx context.Context) error {
	master, slave, err := openRawPTY()
	if err != nil {
		return err
	}
	path := slave.Name()
	if p.link != "" {
		tmp := p.link + ".new"
		os.Remove(tmp)
		if err := os.Symlink(slave.Name(), tmp); err != nil {
			master.Close()
			slave.Close()
			return err
		}
		if err := os.Rename(tmp, p.link); err != nil {
			master.Close()
			slave.Close()
			return err
		}
		path = p.link
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.mod.Serve(ctx, master) }()
	p.mu.Lock()
	p.Path, p.master, p.slave, p.cancel, p.done = path, master, slave, cancel, done
	p.mu.Unlock()
	return nil
}

// Unplug stops the module and removes the device node: the driver's next
// I/O fails and reopening the path fails until Replug.
func (p *PTY) Unplug() error {
	p.mu.Lock()
	master, slave, cancel, done := p.master, p.slave, p.cancel, p.done
	p.master, p.slave = nil, nil
	p.mu.Unlock()
	if master == nil {
		return nil
	}
	cancel()
	master.Close()
	slave.Close()
	<-done
	if p.link != "" {
		return os.Remove(p.link)
	}
	return nil
}

// Replug creates a fresh pty and serves the same module (its flash and
// settings survive, as on real hardware) at the same link path.
func (p *PTY) Replug(ctx context.Context) error {
	if err := p.Unplug(); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return p.plug(ctx)
}

// Close stops the module and releases the pty.
func (p *PTY) Close() error {
	err := p.Unplug()
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
