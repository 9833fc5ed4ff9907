// Package fptest provides in-memory fakes of the fingerprint transport and
// a loader for the shared byte-exact protocol vectors. Only tests import it.
package fptest

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
)

// Port is an in-memory fingerprint.Port. Bytes queued with Feed are
// returned by Read at most Chunk bytes at a time (0 = all available);
// written bytes are recorded and passed to Reply, whose result is queued as
// the peer's answer. A Read on an empty queue waits for the read timeout and
// returns fingerprint.ErrTimeout. Safe for concurrent use.
type Port struct {
	// Chunk limits how many bytes one Read returns; 0 means no limit.
	Chunk int
	// Reply, if set, is called with every Write and returns bytes to queue.
	Reply func(written []byte) []byte
	// NoWait makes a Read on an empty queue fail with ErrTimeout at once
	// instead of waiting for the read timeout (fast fuzzing of readers).
	NoWait bool

	mu      sync.Mutex
	cond    *sync.Cond
	in      []byte
	out     []byte
	timeout time.Duration
	closed  bool
	flushes int
}

var _ fingerprint.Port = (*Port)(nil)

func (p *Port) init() {
	if p.cond == nil {
		p.cond = sync.NewCond(&p.mu)
		if p.timeout == 0 {
			p.timeout = time.Second
		}
	}
}

// Feed queues bytes for Read.
func (p *Port) Feed(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	p.in = append(p.in, b...)
	p.cond.Broadcast()
}

// Written returns a copy of everything written so far.
func (p *Port) Written() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]byte(nil), p.out...)
}

// ResetWritten forgets the recorded writes.
func (p *Port) ResetWritten() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out = nil
}

// Flushes returns how often ResetInputBuffer was called.
func (p *Port) Flushes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushes
}

// Read implements fingerprint.Port.
func (p *Port) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	if len(p.in) == 0 && !p.closed && !p.NoWait {
		t := time.AfterFunc(p.timeout, func() {
			p.mu.Lock()
			p.cond.Broadcast()
			p.mu.Unlock()
		})
		p.cond.Wait()
		t.Stop()
	}
	if p.closed {
		return 0, fingerprint.ErrClosed
	}
	if len(p.in) == 0 {
		return 0, fingerprint.ErrTimeout
	}
	n := len(p.in)
	if p.Chunk > 0 {
		n = min(n, p.Chunk)
	}
	n = copy(b, p.in[:n])
	p.in = p.in[n:]
	return n, nil
}

// Write implements fingerprint.Port.
func (p *Port) Write(b []byte) (int, error) {
	p.mu.Lock()
	p.init()
	if p.closed {
		p.mu.Unlock()
		return 0, fingerprint.ErrClosed
	}
	p.out = append(p.out, b...)
	reply := p.Reply
	p.mu.Unlock()
	if reply != nil {
		if r := reply(append([]byte(nil), b...)); len(r) > 0 {
			p.Feed(r)
		}
	}
	return len(b), nil
}

// SetReadTimeout implements fingerprint.Port.
func (p *Port) SetReadTimeout(d time.Duration) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	p.timeout = d
	return nil
}

// ResetInputBuffer implements fingerprint.Port.
func (p *Port) ResetInputBuffer() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	p.in = nil
	p.flushes++
	return nil
}

// Close implements fingerprint.Port.
func (p *Port) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.init()
	p.closed = true
	p.cond.Broadcast()
	return nil
}

// Vector is one entry of fingerprint-vectors.json.
type Vector struct {
	ID     string `json:"id"`
	Family string `json:"family"` // "R30x" or "GT521"
	Dir    string `json:"dir"`    // "H>M" or "M>H"
	Expect string `json:"expect"` // valid, reject, reject-in-context, accept-after-resync
	Hex    string `json:"hex"`
	Note   string `json:"note"`
}

// Bytes decodes the vector's hex.
func (v Vector) Bytes() ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(v.Hex, " ", ""))
	if err != nil {
		return nil, fmt.Errorf("vector %s: %w", v.ID, err)
	}
	return b, nil
}

// LoadVectors reads the vector file at path.
func LoadVectors(path string) ([]Vector, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var vs []Vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return vs, nil
}
