package ingest

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
	"github.com/vouchkiosk/vouch/tools/platform/db"
)

// Store is the storage the ingester needs; *db.DB implements it.
type Store interface {
	Device(ctx context.Context, org, id string) (db.Device, error)
	ResultHashes(ctx context.Context, org, device string, from, to uint64) (map[uint64][32]byte, error)
	AppendResults(ctx context.Context, org, device string, a db.Append) error
}

var _ Store = (*db.DB)(nil)

// Options configures New. A nil *Options means the defaults.
type Options struct {
	// Now is the platform clock; nil means time.Now.
	Now func() time.Time
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// Attempts bounds the compare-and-swap retries when concurrent requests
	// of one device race; every round one of them wins, so N concurrent
	// requests need at most N. Zero means 16.
	Attempts int
}

// Ingester verifies and stores batches. It is safe for concurrent use.
type Ingester struct {
	store    Store
	key      crypto.Signer
	now      func() time.Time
	log      *slog.Logger
	attempts int
}

// New returns an Ingester that stores into store and signs
// acknowledgements with the platform key.
func New(store Store, platformKey crypto.Signer, opts *Options) (*Ingester, error) {
	if _, ok := platformKey.Public().(ed25519.PublicKey); !ok {
		return nil, fmt.Errorf("ingest: platform key is %T, want Ed25519", platformKey.Public())
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Attempts <= 0 {
		o.Attempts = 16
	}
	return &Ingester{store: store, key: platformKey, now: o.Now, log: o.Logger, attempts: o.Attempts}, nil
}

// Outcome is the result of an accepted batch.
type Outcome struct {
	Ack    syncwire.Ack
	Signed []byte  // Ack signed with the platform key
	Gap    *db.Gap // gap recorded by this batch, if any
}

// RejectError reports a batch refused because of its content. Nothing of the
// batch was stored.
type RejectError struct {
	Status int    // HTTP status: 409 for a fork, 422 otherwise
	Reason string // syncwire.Reason…
	Index  int    // offending record's position in the batch
	Seq    uint64 // its sequence number, if known
	Err    error  // underlying error (a result sentinel)
}

// Error implements error.
func (e *RejectError) Error() string {
	return fmt.Sprintf("ingest: record %d (seq %d) rejected: %s: %v", e.Index, e.Seq, e.Reason, e.Err)
}

// Unwrap returns the underlying error.
func (e *RejectError) Unwrap() error { return e.Err }

// Errors of Ingest other than a *RejectError and the store's.
var (
	// ErrRevoked is returned when the device was revoked while its batch
	// was being verified.
	ErrRevoked = errors.New("ingest: device revoked")
	// ErrBusy is returned when concurrent requests of the device kept
	// moving its chain head through every attempt; retrying later works.
	ErrBusy = errors.New("ingest: device chain busy")
)

// reject classifies a result error for record index.
func reject(index int, seq uint64, err error) *RejectError {
	r := &RejectError{Status: http.StatusUnprocessableEntity, Index: index, Seq: seq, Err: err}
	switch {
	case errors.Is(err, result.ErrSignature):
		r.Reason = syncwire.ReasonBadSignature
	case errors.Is(err, result.ErrWrongDevice):
		r.Reason = syncwire.ReasonWrongDevice
	case errors.Is(err, result.ErrGap):
		r.Reason = syncwire.ReasonGap
	case errors.Is(err, result.ErrReorder):
		r.Reason = syncwire.ReasonReordered
	case errors.Is(err, result.ErrReplay):
		r.Reason = syncwire.ReasonReplayedRecord
	case errors.Is(err, result.ErrBrokenLink):
		r.Reason = syncwire.ReasonBrokenLink
	case errors.Is(err, result.ErrFork):
		r.Status, r.Reason = http.StatusConflict, syncwire.ReasonFork
	default: // ErrDecode and anything unforeseen about the bytes
		r.Reason = syncwire.ReasonBadRecord
	}
	return r
}

// maxSeq is the largest sequence number the platform stores (a signed
// 64-bit column in both SQL backends).
const maxSeq = math.MaxInt64

// Ingest verifies records against dev's chain and stores the new ones. On
// success it returns the signed acknowledgement; a content problem is a
// *RejectError; other errors are the store's.
func (in *Ingester) Ingest(ctx context.Context, dev db.Device, records [][]byte) (Outcome, error) {
	if len(records) == 0 {
		return Outcome{}, reject(0, 0, fmt.Errorf("%w: empty batch", result.ErrDecode))
	}
	first, err := result.Open(dev.PublicKey, records[0])
	if err != nil {
		return Outcome{}, reject(0, 0, err)
	}
	for attempt := 0; ; attempt++ {
		out, err := in.try(ctx, dev, first, records)
		if !errors.Is(err, db.ErrHeadMoved) {
			return out, err
		}
		if attempt+1 >= in.attempts {
			return Outcome{}, fmt.Errorf("%w: device %s: %w after %d attempts", ErrBusy, dev.ID, err, in.attempts)
		}
		if dev, err = in.store.Device(ctx, dev.Org, dev.ID); err != nil {
			return Outcome{}, fmt.Errorf("ingest: reload device: %w", err)
		}
		if dev.Revoked {
			return Outcome{}, ErrRevoked
		}
	}
}

// try runs one verify-and-store attempt against dev.Chain.
func (in *Ingester) try(ctx context.Context, dev db.Device, first *result.Record, records [][]byte) (Outcome, error) {
	chain := dev.Chain
	dups, err := in.duplicates(ctx, dev, first.Seq, records)
	if err != nil {
		return Outcome{}, err
	}
	rest := records[dups:]
	if len(rest) == 0 {
		return in.ack(dev.ID, chain, 0, uint32(dups), nil)
	}
	from := result.ChainState{Seq: chain.Head.Seq, Hash: chain.Head.Hash}
	var gap *db.Gap
	if dups == 0 && first.Seq > chain.Head.Seq+1 {
		gap = &db.Gap{Org: dev.Org, Device: dev.ID, From: chain.Head.Seq + 1, To: first.Seq - 1}
		from = result.ChainState{Seq: first.Seq - 1, Hash: first.PrevHash}
	}
	head, err := result.VerifyChain(dev.PublicKey, from, rest)
	if err != nil {
		var ce *result.ChainError
		if errors.As(err, &ce) {
			return Outcome{}, reject(dups+ce.Index, ce.Seq, err)
		}
		return Outcome{}, reject(dups, 0, err)
	}
	if head.Seq > maxSeq {
		// The chain verified, so rest[i] carries from.Seq+1+i: reject the
		// first record beyond what the platform can store.
		i := 0
		if from.Seq < maxSeq {
			i = int(maxSeq - from.Seq)
		}
		seq := from.Seq + 1 + uint64(i)
		return Outcome{}, reject(dups+i, seq, fmt.Errorf("%w: seq %d exceeds %d, the largest the platform stores", result.ErrInvalid, seq, uint64(maxSeq)))
	}
	now := in.now()
	rows := make([]db.Result, len(rest))
	prev := from.Hash
	for i, r := range rest {
		h := result.Hash(r)
		rows[i] = db.Result{Org: dev.Org, Device: dev.ID, Seq: from.Seq + 1 + uint64(i), Hash: h, PrevHash: prev, Received: now, Record: r}
		prev = h
	}
	if gap != nil {
		gap.Detected = now
	}
	next := db.Head{Seq: head.Seq, Hash: head.Hash}
	if err := in.store.AppendResults(ctx, dev.Org, dev.ID, db.Append{Expect: chain.Head, Head: next, Received: now, Gap: gap, Results: rows}); err != nil {
		return Outcome{}, err
	}
	chain.Head, chain.Received = next, now
	if gap != nil {
		chain.Missing += gap.To - gap.From + 1
		in.log.WarnContext(ctx, "ingest: gap in device chain", "device", dev.ID, "from", gap.From, "to", gap.To)
	}
	return in.ack(dev.ID, chain, uint32(len(rows)), uint32(dups), gap)
}

// duplicates returns how many leading records are at or below the stored
// head, checking that each is byte-identical to the stored one.
func (in *Ingester) duplicates(ctx context.Context, dev db.Device, firstSeq uint64, records [][]byte) (int, error) {
	head := dev.Chain.Head.Seq
	if firstSeq > head {
		return 0, nil
	}
	k := min(uint64(len(records)), head-firstSeq+1)
	stored, err := in.store.ResultHashes(ctx, dev.Org, dev.ID, firstSeq, firstSeq+k-1)
	if err != nil {
		return 0, err
	}
	for i := range int(k) {
		want := firstSeq + uint64(i)
		if h, ok := stored[want]; ok && h == result.Hash(records[i]) {
			continue
		}
		rec, err := result.Open(dev.PublicKey, records[i])
		switch {
		case err != nil:
			return 0, reject(i, 0, err)
		case rec.Seq < want:
			return 0, reject(i, rec.Seq, fmt.Errorf("%w: seq %d after seq %d", result.ErrReplay, rec.Seq, want-1))
		case rec.Seq > want:
			return 0, reject(i, rec.Seq, fmt.Errorf("%w: seq %d where %d was due", result.ErrGap, rec.Seq, want))
		}
		if _, ok := stored[want]; !ok {
			return 0, reject(i, want, fmt.Errorf("%w: seq %d lies in a recorded gap and cannot be filled", result.ErrFork, want))
		}
		return 0, reject(i, want, fmt.Errorf("%w: seq %d differs from the stored record", result.ErrFork, want))
	}
	return int(k), nil
}

// Current returns a freshly signed acknowledgement of dev's stored head.
func (in *Ingester) Current(dev db.Device) (Outcome, error) {
	return in.ack(dev.ID, dev.Chain, 0, 0, nil)
}

func (in *Ingester) ack(device string, c db.Chain, stored, dups uint32, gap *db.Gap) (Outcome, error) {
	a := syncwire.Ack{
		Device: device, Seq: c.Head.Seq, Hash: c.Head.Hash[:], Time: in.now().UnixNano(),
		Stored: stored, Duplicates: dups, Missing: c.Missing,
	}
	if !c.Received.IsZero() {
		a.Received = c.Received.UnixNano()
	}
	signed, err := syncwire.SignAck(a, in.key)
	if err != nil {
		return Outcome{}, fmt.Errorf("ingest: %w", err)
	}
	return Outcome{Ack: a, Signed: signed, Gap: gap}, nil
}
