package result

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"

	"github.com/vouchkiosk/vouch/agent/store"
)

// LogOptions configures NewLog. A nil *LogOptions means all defaults.
type LogOptions struct {
	// Clock stamps records. Nil means a SystemClock.
	Clock Clock
	// Dev marks every appended record as dev. Set it whenever the signing
	// key is a development identity.
	Dev bool
	// Logger receives one debug line per append. Nil discards.
	Logger *slog.Logger
}

// Log appends signed records to a device's result chain in a store. It is
// safe for concurrent use; appends are serialised by the store's write
// transaction.
type Log struct {
	db     *store.DB
	signer crypto.Signer
	pub    ed25519.PublicKey
	device string
	clock  Clock
	dev    bool
	log    *slog.Logger
}

// NewLog returns a Log that signs with signer (an Ed25519 key). It checks
// that the newest stored record, if any, verifies with the signer's public
// key, so a store that belongs to another device (or whose head was
// altered) is refused rather than extended.
func NewLog(db *store.DB, signer crypto.Signer, opts *LogOptions) (*Log, error) {
	var o LogOptions
	if opts != nil {
		o = *opts
	}
	pub, ok := signer.Public().(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: signer holds %T", ErrKey, signer.Public())
	}
	if o.Clock == nil {
		c, err := NewSystemClock()
		if err != nil {
			return nil, err
		}
		o.Clock = c
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	l := &Log{db: db, signer: signer, pub: pub, device: DeviceID(pub), clock: o.Clock, dev: o.Dev, log: o.Logger}
	err := db.View(func(tx *store.Tx) error {
		seq, last, err := tx.LastResult()
		if err != nil || last == nil {
			return err
		}
		rec, err := Open(pub, last)
		if err != nil {
			return fmt.Errorf("result: newest stored record (seq %d) in %s: %w", seq, db.Path(), err)
		}
		if rec.Seq != seq {
			return fmt.Errorf("%w: record stored under seq %d says seq %d (%s)", ErrDecode, seq, rec.Seq, db.Path())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// Device returns the device id records are signed for.
func (l *Log) Device() string { return l.device }

// PublicKey returns the key that verifies the log's records.
func (l *Log) PublicKey() ed25519.PublicKey { return l.pub }

// Append completes rec and makes it durable: it sets Device, Seq, PrevHash,
// BootID, Mono, Wall and TimeQuality (and Dev, if the log is a dev log),
// signs it, and writes the record and its outbox entry in one bbolt
// transaction that is fsynced before Append returns. On success rec holds
// the completed record and the returned seq is acknowledged: it survives a
// crash or power cut from then on. On error nothing was written.
//
// The caller sets Mode, Decision, Score, Thresholds, Models and Liveness.
// ctx is checked before the transaction starts; a commit in progress is not
// interrupted.
func (l *Log) Append(ctx context.Context, rec *Record) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var done Record
	err := l.db.Update(func(tx *store.Tx) error {
		last, prev, err := tx.LastResult()
		if err != nil {
			return err
		}
		// Stamp inside the write transaction, which serialises appends, so
		// times never run backwards along the chain.
		st := l.clock.Now()
		r := *rec
		r.Device, r.Seq, r.PrevHash = l.device, last+1, [32]byte{}
		if prev != nil {
			r.PrevHash = Hash(prev)
		}
		r.BootID, r.Mono, r.Wall, r.TimeQuality = st.BootID, st.Mono, st.Wall, st.Quality
		r.Dev = r.Dev || l.dev
		signed, err := Sign(&r, l.signer)
		if err != nil {
			return err
		}
		if err := tx.AppendResult(r.Seq, signed); err != nil {
			return err
		}
		done = r
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("result: append to %s: %w", l.db.Path(), err)
	}
	*rec = done
	l.log.Debug("result appended", "seq", done.Seq, "decision", done.Decision.String())
	return done.Seq, nil
}

// Head returns the seq and hash of the newest stored record (the zero
// ChainState for an empty log).
func (l *Log) Head() (ChainState, error) {
	var st ChainState
	err := l.db.View(func(tx *store.Tx) error {
		seq, last, err := tx.LastResult()
		if err == nil && last != nil {
			st = ChainState{Seq: seq, Hash: Hash(last)}
		}
		return err
	})
	return st, err
}

// Verify checks the whole stored chain with the log's public key; see
// VerifyStored.
func (l *Log) Verify(ctx context.Context) (ChainState, error) {
	return VerifyStored(ctx, l.db, l.pub)
}

// verifyBatch is how many records VerifyStored holds in memory at once.
const verifyBatch = 512

// VerifyStored verifies every result record in db with pub, in batches,
// and returns the head.
//
// If acknowledged records were pruned, the chain is verified from the
// oldest stored record, whose link to its pruned predecessor cannot be
// checked here (the platform holds it). A break is reported as a
// *ChainError whose Index is the position among the stored records.
func VerifyStored(ctx context.Context, db *store.DB, pub ed25519.PublicKey) (ChainState, error) {
	return verifyStored(ctx, db, pub, verifyBatch)
}

func verifyStored(ctx context.Context, db *store.DB, pub ed25519.PublicKey, batchSize int) (ChainState, error) {
	var (
		head    ChainState
		offset  int
		from    uint64 = 1
		started bool
	)
	for {
		if err := ctx.Err(); err != nil {
			return head, err
		}
		var batch [][]byte
		err := db.View(func(tx *store.Tx) error {
			return tx.ForEachResult(from, func(_ uint64, b []byte) error {
				batch = append(batch, append([]byte(nil), b...))
				if len(batch) == batchSize {
					return store.ErrStop
				}
				return nil
			})
		})
		if err != nil {
			return head, err
		}
		if len(batch) == 0 {
			return head, nil
		}
		if !started {
			started = true
			// Pruned: trust the oldest stored record's link. If it does not
			// open, VerifyChain reports it at index 0.
			if first, err := Open(pub, batch[0]); err == nil && first.Seq > 1 {
				head = ChainState{Seq: first.Seq - 1, Hash: first.PrevHash}
			}
		}
		next, err := VerifyChain(pub, head, batch)
		if ce := (*ChainError)(nil); errors.As(err, &ce) {
			ce.Index += offset
		}
		if err != nil {
			return next, err
		}
		head, offset = next, offset+len(batch)
		from = head.Seq + 1
	}
}
