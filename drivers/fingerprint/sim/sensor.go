package sim

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
)

// Config configures a simulated R30x-family module. The zero value is an
// R307 at the factory address and password, answering instantly.
type Config struct {
	// Profile is the module model; the zero value means R307().
	Profile Profile
	// Address is the module address; 0 means 0xFFFFFFFF.
	Address uint32
	// Password locks the module until VfyPwd when non-zero.
	Password uint32
	// Latency adds the module's capture and processing times (GenImg,
	// Img2Tz, RegModel, Search, flash writes) as a real module would.
	Latency bool
	// Baud, when > 0, paces every reply at ten bit times per byte, so
	// transfers take as long as on a real UART at that rate.
	Baud int
	// FaultDelay is how late a FaultDelay reply comes; 0 means 3 s.
	FaultDelay time.Duration
	// FingerTimeout is how long AutoEnroll and AutoIdentify (R503) wait for
	// a finger before answering 0x26; 0 means 10 s, as on the module.
	FingerTimeout time.Duration
	// Seed varies the random code generator; impressions depend only on
	// the finger id and the number of captures.
	Seed uint64
	// Logger receives one debug line per command; nil discards.
	Logger *slog.Logger
}

// Fault is an injected misbehaviour; each injected count applies to that
// many later opportunities.
type Fault int

// Faults the simulator can inject.
const (
	FaultMessyImage  Fault = iota + 1 // next capture is messy: Img2Tz answers 0x06
	FaultFewFeatures                  // next Img2Tz answers 0x07
	FaultCaptureFail                  // next GenImg answers 0x03
	FaultDelay                        // next reply comes Config.FaultDelay late
	FaultGarbage                      // next reply is preceded by line noise
	FaultChecksum                     // next reply has a corrupt checksum
	FaultDrop                         // next command gets no reply at all
	FaultDisconnect                   // Serve stops as if the module lost power
)

// ErrDisconnected is returned by Serve when FaultDisconnect fires.
var ErrDisconnected = errors.New("sim: module disconnected")

// Sensor is a simulated R30x-family module: flash library, char buffers,
// image buffer, system registers, password and address, speaking the
// protocol byte for byte. Fingers are placed and lifted by the test or demo
// script. Safe for concurrent use; one Serve at a time.
type Sensor struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	addr     uint32
	pwd      uint32
	verified bool
	level    int
	pktCode  byte
	baudN    int
	library  map[int][]byte
	chars    [][]byte
	image    *impression
	faults   map[Fault]int
	notepad  [16][32]byte
	aura     [4]byte
	rng      *rand.Rand
	commands int
	pad      pad
}

// New returns a powered-on simulated module.
func New(cfg Config) *Sensor {
	if cfg.Profile.Name == "" {
		cfg.Profile = R307()
	}
	if cfg.Address == 0 {
		cfg.Address = r30x.DefaultAddress
	}
	if cfg.FaultDelay <= 0 {
		cfg.FaultDelay = 3 * time.Second
	}
	if cfg.FingerTimeout <= 0 {
		cfg.FingerTimeout = 10 * time.Second
	}
	s := &Sensor{cfg: cfg, log: cfg.Logger, addr: cfg.Address, pwd: cfg.Password,
		level: 3, pktCode: cfg.Profile.PacketSizeCode, baudN: 6,
		library: map[int][]byte{}, faults: map[Fault]int{},
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x5EED))}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.powerOn()
	return s
}

// powerOn clears the volatile state. s.mu must be held (or s unshared).
func (s *Sensor) powerOn() {
	s.verified = s.pwd == 0
	s.chars = make([][]byte, s.cfg.Profile.CharBuffers+1)
	s.image = nil
}

// Place puts f on the sensor until Lift; every capture makes a new noisy
// impression of it. It also raises the touch line (see Wake).
func (s *Sensor) Place(f Finger) { s.pad.place(f) }

// Lift removes the finger.
func (s *Sensor) Lift() { s.pad.lift() }

// Inject arms fault for the next n opportunities.
func (s *Sensor) Inject(f Fault, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[f] += n
}

// take consumes one armed fault. s.mu must be held.
func (s *Sensor) take(f Fault) bool {
	if s.faults[f] > 0 {
		s.faults[f]--
		return true
	}
	return false
}

// Templates returns the number of templates in the simulated flash.
func (s *Sensor) Templates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.library)
}

// Commands returns the number of commands answered so far.
func (s *Sensor) Commands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commands
}

// Address returns the current module address.
func (s *Sensor) Address() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Wake returns a wake source that fires when a finger is placed, like the
// module's touch output; it returns at once while a finger is down.
func (s *Sensor) Wake() *Wake { return &Wake{p: &s.pad} }

// Serve speaks the protocol on rw until ctx ends, rw fails or a
// FaultDisconnect fires. The caller must close rw (or make its Read fail)
// to stop the goroutine that reads it. An R503 profile first sends its
// ready byte 0x55.
func (s *Sensor) Serve(ctx context.Context, rw io.ReadWriter) error {
	c := newConn(ctx, rw)
	if s.cfg.Profile.R503 {
		if err := s.write(ctx, c, []byte{0x55}); err != nil {
			return err
		}
	}
	for {
		f, bad, err := c.frame(ctx, 0, s.Address())
		if err != nil {
			return err
		}
		s.line(ctx, f)
		if err := s.handle(ctx, c, f, bad); err != nil {
			return err
		}
	}
}

// pause sleeps d if latency simulation is on.
func (s *Sensor) pause(ctx context.Context, d time.Duration) {
	if !s.cfg.Latency {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// line waits as long as frame f took to arrive over a UART at the
// configured baud rate (a pty delivers it at once).
func (s *Sensor) line(ctx context.Context, f r30x.Frame) {
	if s.cfg.Baud <= 0 {
		return
	}
	n := int64(r30x.HeaderSize + len(f.Payload) + 2)
	t := time.NewTimer(time.Duration(n * 10 * int64(time.Second) / int64(s.cfg.Baud)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// write sends b, paced at the configured baud rate.
func (s *Sensor) write(ctx context.Context, c *conn, b []byte) error {
	if s.cfg.Baud > 0 {
		t := time.NewTimer(time.Duration(int64(len(b)) * 10 * int64(time.Second) / int64(s.cfg.Baud)))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
	_, err := c.rw.Write(b)
	return err
}
