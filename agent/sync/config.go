package sync

import (
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
)

// MetaAck is the store meta key holding the latest verified SignedAck.
const MetaAck = "sync/ack"

// Config configures New. Zero fields take the defaults shown.
type Config struct {
	// URL is the platform's base URL, e.g. "https://platform.example:8443"
	// (required). Plain http is accepted only for a loopback host: records
	// carry decisions and scores, which must not cross a network in clear.
	URL string
	// Device is this device's id (required); Signer its Ed25519 key
	// (required).
	Device string
	Signer crypto.Signer
	// PlatformKey is the pinned Ed25519 key acknowledgements must verify
	// with (required).
	PlatformKey ed25519.PublicKey
	// HTTP sends requests; nil means a client with RequestTimeout and the
	// system roots. To trust a private CA (such as the platform's dev CA),
	// pass a client whose transport sets TLSClientConfig.RootCAs.
	HTTP *http.Client
	// BatchRecords bounds records per upload; default 256, at most
	// syncwire.MaxBatchRecords. A platform answering 413 halves it for the
	// rest of the Syncer's life.
	BatchRecords int
	// BatchBytes bounds the records' bytes per upload; default 1 MiB.
	BatchBytes int
	// MinBackoff and MaxBackoff bound the wait after a failure; defaults 1 s
	// and 5 min.
	MinBackoff, MaxBackoff time.Duration
	// Interval is how often an idle Syncer looks at the outbox without being
	// kicked; default 30 s.
	Interval time.Duration
	// RequestTimeout bounds one upload; default 30 s.
	RequestTimeout time.Duration
	// QueueAlarm is the outbox length at which Status.QueueAlarm is raised;
	// default 10,000.
	QueueAlarm int
	// SkewTolerance is the clock skew above which Status.SkewAlarm is
	// raised; default 30 s.
	SkewTolerance time.Duration
	// PruneAcked deletes acknowledged results from the store (keeping the
	// newest, which the chain needs).
	PruneAcked bool
	// Now is the device clock; nil means time.Now.
	Now func() time.Time
	// Jitter returns a uniformly random duration in [0, d); nil means a
	// per-Syncer ChaCha8 generator seeded from crypto/rand.
	Jitter func(d time.Duration) time.Duration
	// Logger receives sync events; nil discards them.
	Logger *slog.Logger
	// OnStatus, if set, is called after every status change (from the Run
	// goroutine; it must not block).
	OnStatus func(Status)
}

// ErrConfig is returned by New for an unusable Config.
var ErrConfig = errors.New("sync: invalid config")

func (c Config) withDefaults() (Config, error) {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return c, fmt.Errorf("%w: URL %q", ErrConfig, c.URL)
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return c, fmt.Errorf("%w: plain http to %q; use https (http is for loopback only)", ErrConfig, u.Host)
	case c.Device == "" || c.Signer == nil:
		return c, fmt.Errorf("%w: Device and Signer are required", ErrConfig)
	case len(c.PlatformKey) != ed25519.PublicKeySize:
		return c, fmt.Errorf("%w: PlatformKey must be a %d-byte Ed25519 key", ErrConfig, ed25519.PublicKeySize)
	case c.BatchRecords > syncwire.MaxBatchRecords:
		return c, fmt.Errorf("%w: BatchRecords %d exceeds %d", ErrConfig, c.BatchRecords, syncwire.MaxBatchRecords)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.MinBackoff, time.Second)
	def(&c.MaxBackoff, 5*time.Minute)
	def(&c.Interval, 30*time.Second)
	def(&c.RequestTimeout, 30*time.Second)
	def(&c.SkewTolerance, 30*time.Second)
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.BatchRecords <= 0 {
		c.BatchRecords = 256
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = 1 << 20
	}
	if c.QueueAlarm <= 0 {
		c.QueueAlarm = 10_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.HTTP == nil {
		c.HTTP = &http.Client{Timeout: c.RequestTimeout}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
