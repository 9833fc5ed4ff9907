package sync

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/vouchkiosk/vouch/agent/result"
	"github.com/vouchkiosk/vouch/agent/store"
	"github.com/vouchkiosk/vouch/agent/sync/syncwire"
)

// Syncer drains one store's outbox to the platform. Its methods are safe
// for concurrent use; Run must be called at most once at a time.
type Syncer struct {
	cfg  Config
	db   *store.DB
	kick chan struct{}

	jmu gosync.Mutex
	rng *rand.Rand // guarded by jmu

	mu     gosync.Mutex
	status Status
	skew   time.Duration // applied to the device clock when signing
	limit  int           // records per batch: BatchRecords, halved after a 413
}

// New returns a Syncer for db.
func New(db *store.DB, cfg Config) (*Syncer, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: nil store", ErrConfig)
	}
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // crypto/rand.Read never fails
	return &Syncer{cfg: c, db: db, kick: make(chan struct{}, 1), rng: rand.New(rand.NewChaCha8(seed)), limit: c.BatchRecords}, nil
}

// Kick asks a waiting Syncer to look at the outbox now (for example after
// the flow recorded a result). It never blocks, and does not cut a backoff
// short.
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Status returns a snapshot of the Syncer's state.
func (s *Syncer) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status
}

func (s *Syncer) update(fn func(*Status)) {
	s.mu.Lock()
	fn(&s.status)
	st := s.status
	s.mu.Unlock()
	if s.cfg.OnStatus != nil {
		s.cfg.OnStatus(st)
	}
}

// Run uploads until ctx ends, then returns ctx's error.
func (s *Syncer) Run(ctx context.Context) error {
	defer s.update(func(st *Status) { st.State = StateStopped })
	s.update(func(st *Status) { st.State = StateStarting })
	if err := s.loadAck(); err != nil {
		s.cfg.Logger.WarnContext(ctx, "sync: stored acknowledgement unusable", "err", err)
	}
	for {
		n, err := s.SyncOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err == nil && n > 0 {
			continue // more may be waiting
		}
		wait := s.cfg.Interval
		if err != nil {
			wait = s.backoff(err)
		} else {
			s.update(func(st *Status) { st.State = StateIdle })
		}
		if err := s.sleep(ctx, wait, err == nil); err != nil {
			return err
		}
	}
}

// sleep waits d, or until a kick when kickable.
func (s *Syncer) sleep(ctx context.Context, d time.Duration, kickable bool) error {
	t := time.NewTimer(d)
	defer t.Stop()
	kick := s.kick
	if !kickable {
		kick = nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	case <-kick:
	}
	return nil
}

// backoff records a failure and returns how long to wait: half of an
// exponentially growing ceiling plus a random part of up to the other half
// ("equal jitter": a fleet that failed together spreads out, yet no device
// retries at once), or the platform's Retry-After if that is longer.
func (s *Syncer) backoff(err error) time.Duration {
	var st Status
	s.update(func(x *Status) {
		x.Failures++
		x.LastError = err.Error()
		st = *x
	})
	ceil := s.cfg.MaxBackoff
	if !st.Permanent {
		ceil = s.cfg.MinBackoff
		for i := 1; i < st.Failures && ceil < s.cfg.MaxBackoff; i++ {
			ceil *= 2
		}
		ceil = min(ceil, s.cfg.MaxBackoff)
	}
	d := ceil/2 + s.jitter(ceil/2+1)
	var pe *PlatformError
	if errors.As(err, &pe) && pe.RetryAfter > d {
		d = min(pe.RetryAfter, s.cfg.MaxBackoff)
	}
	s.update(func(x *Status) { x.State, x.NextAttempt = StateBackoff, s.cfg.Now().Add(d) })
	s.cfg.Logger.Info("sync: upload failed", "err", err, "failures", st.Failures, "retry_in", d)
	return d
}

func (s *Syncer) jitter(d time.Duration) time.Duration {
	if s.cfg.Jitter != nil {
		return s.cfg.Jitter(d)
	}
	s.jmu.Lock()
	defer s.jmu.Unlock()
	return time.Duration(s.rng.Int64N(int64(d)))
}

// PlatformError is an error answer from the platform.
type PlatformError struct {
	Status     int
	Problem    syncwire.Problem
	RetryAfter time.Duration
}

// Error implements error.
func (e *PlatformError) Error() string {
	return fmt.Sprintf("sync: platform answered %d %s: %s", e.Status, e.Problem.Reason, e.Problem.Message)
}

// Temporary reports whether retrying the same request may succeed.
func (e *PlatformError) Temporary() bool {
	switch {
	case e.Status >= 500, e.Status == http.StatusTooManyRequests, e.Status == http.StatusRequestTimeout:
		return true
	case e.Status == http.StatusRequestEntityTooLarge:
		return true // the Syncer halves its batches
	case e.Status == http.StatusUnauthorized:
		// A stale timestamp is fixed by the skew correction, a reused nonce
		// by a new one; an unknown device may not be registered yet.
		return e.Problem.Reason == syncwire.ReasonStale || e.Problem.Reason == syncwire.ReasonReplayed || e.Problem.Reason == syncwire.ReasonUnknownDevice
	}
	return false
}

// ErrAck is wrapped by errors about an acknowledgement that contradicts the
// local store; see Status.AckAlarm.
var ErrAck = errors.New("sync: acknowledgement contradicts the local store")

// SyncOnce uploads at most one batch and returns how many records the
// platform acknowledged beyond the previous mark. It returns 0, nil when the
// outbox is empty. Run calls it in a loop; tests may call it directly.
func (s *Syncer) SyncOnce(ctx context.Context) (int, error) {
	batch, first, pending, err := s.nextBatch()
	if err != nil {
		return 0, err
	}
	s.update(func(st *Status) {
		st.Pending = pending
		st.QueueAlarm = pending >= s.cfg.QueueAlarm
	})
	if len(batch) == 0 {
		return 0, nil
	}
	s.update(func(st *Status) { st.State, st.LastAttempt = StateUploading, s.cfg.Now() })
	signed, err := s.upload(ctx, batch)
	if err != nil {
		var pe *PlatformError
		if errors.As(err, &pe) && pe.Status == http.StatusRequestEntityTooLarge {
			s.mu.Lock()
			s.limit = max(1, len(batch)/2)
			s.mu.Unlock()
		}
		if ctx.Err() == nil {
			s.update(func(st *Status) { st.Permanent = pe != nil && !pe.Temporary() })
		}
		return 0, err
	}
	n, err := s.accept(signed, batch, first)
	if err != nil {
		return 0, err
	}
	s.update(func(st *Status) {
		st.Failures, st.LastError, st.Permanent, st.LastSuccess = 0, "", false, s.cfg.Now()
		st.Batches++
	})
	return n, nil
}

// nextBatch copies the oldest outbox records, within the batch limits.
func (s *Syncer) nextBatch() (batch [][]byte, first uint64, pending int, err error) {
	s.mu.Lock()
	limit := s.limit
	s.mu.Unlock()
	err = s.db.View(func(tx *store.Tx) error {
		var err error
		if pending, err = tx.OutboxLen(); err != nil {
			return err
		}
		size := 0
		return tx.ForEachOutbox(func(seq uint64, rec []byte) error {
			if len(batch) == limit || (len(batch) > 0 && size+len(rec) > s.cfg.BatchBytes) {
				return store.ErrStop
			}
			if len(batch) == 0 {
				first = seq
			}
			batch = append(batch, bytes.Clone(rec))
			size += len(rec)
			return nil
		})
	})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("sync: read outbox: %w", err)
	}
	return batch, first, pending, nil
}

// upload posts one batch and returns the signed acknowledgement. A stale
// timestamp is retried once at once with the corrected clock.
func (s *Syncer) upload(ctx context.Context, batch [][]byte) ([]byte, error) {
	body, err := syncwire.EncodeBatch(syncwire.Batch{Records: batch})
	if err != nil {
		return nil, fmt.Errorf("sync: encode batch: %w", err)
	}
	for attempt := 0; ; attempt++ {
		b, err := s.do(ctx, http.MethodPost, syncwire.PathResults, body)
		var pe *PlatformError
		if attempt == 0 && errors.As(err, &pe) && pe.Problem.Reason == syncwire.ReasonStale {
			continue
		}
		return b, err
	}
}

// FetchAck asks the platform for its current acknowledgement and applies it
// like an upload's: useful after a restore, or to learn the mark without
// sending anything.
func (s *Syncer) FetchAck(ctx context.Context) (syncwire.Ack, error) {
	signed, err := s.do(ctx, http.MethodGet, syncwire.PathAck, nil)
	if err != nil {
		return syncwire.Ack{}, err
	}
	if _, err := s.accept(signed, nil, 0); err != nil {
		return syncwire.Ack{}, err
	}
	return syncwire.OpenAck(s.cfg.PlatformKey, signed)
}

// do sends one signed request and returns the body of a 200 answer.
func (s *Syncer) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	var nonce [syncwire.NonceSize]byte
	_, _ = crand.Read(nonce[:]) // crypto/rand.Read never fails
	s.mu.Lock()
	now := s.cfg.Now().Add(s.skew)
	s.mu.Unlock()
	auth, err := syncwire.SignRequest(s.cfg.Signer, s.cfg.Device, method, path, now, nonce, body)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(s.cfg.URL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	req.Header.Set("Authorization", auth)
	if body != nil {
		req.Header.Set("Content-Type", syncwire.ContentTypeCBOR)
	}
	sent := s.cfg.Now()
	res, err := s.cfg.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("sync: %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	s.observeClock(res.Header.Get(syncwire.HeaderTime), sent, s.cfg.Now())
	if res.StatusCode == http.StatusOK {
		b, err := io.ReadAll(io.LimitReader(res.Body, syncwire.MaxAckBytes+1))
		if err != nil {
			return nil, fmt.Errorf("sync: read answer: %w", err)
		}
		if len(b) > syncwire.MaxAckBytes {
			return nil, fmt.Errorf("sync: answer exceeds %d bytes", syncwire.MaxAckBytes)
		}
		return b, nil
	}
	pe := &PlatformError{Status: res.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if json.Unmarshal(b, &pe.Problem) != nil || pe.Problem.Reason == "" {
		pe.Problem = syncwire.Problem{Reason: "http-" + strconv.Itoa(res.StatusCode), Message: strings.TrimSpace(string(b))}
	}
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && secs > 0 {
		pe.RetryAfter = time.Duration(secs) * time.Second
	}
	return nil, pe
}

// observeClock estimates the skew from the platform's clock at the
// midpoint of the exchange.
func (s *Syncer) observeClock(header string, sent, recv time.Time) {
	pt, ok := syncwire.PlatformTime(header)
	if !ok {
		return
	}
	skew := pt.Sub(sent.Add(recv.Sub(sent) / 2))
	s.mu.Lock()
	s.skew = skew
	s.mu.Unlock()
	s.update(func(st *Status) {
		st.ClockSkew = skew
		st.SkewAlarm = skew > s.cfg.SkewTolerance || skew < -s.cfg.SkewTolerance
	})
}

// loadAck publishes the stored acknowledgement in Status and checks the
// store's acknowledged mark and local chain against it.
func (s *Syncer) loadAck() error {
	var (
		a    syncwire.Ack
		last uint64
	)
	err := s.db.View(func(tx *store.Tx) error {
		var err error
		if a, err = s.boundMark(tx); err != nil {
			return err
		}
		last, _, err = tx.LastResult()
		return err
	})
	if err != nil {
		if errors.Is(err, ErrAck) {
			return s.alarm(err)
		}
		return err
	}
	s.update(func(st *Status) { st.AckedSeq, st.PlatformMissing = a.Seq, a.Missing })
	if last < a.Seq {
		return s.alarm(fmt.Errorf("%w: local chain ends at seq %d, below the acknowledged %d (truncated store)", ErrAck, last, a.Seq))
	}
	return nil
}

// boundMark returns the stored acknowledgement after checking that the
// store's acknowledged mark, which gates outbox deletion and pruning, is
// bound to it: the acknowledgement verifies with the pinned key and names
// this device, the mark equals its seq, and the stored record at that seq
// has its hash. A store without an acknowledgement must have mark 0. Any
// mismatch (the file was edited) wraps ErrAck.
func (s *Syncer) boundMark(tx *store.Tx) (syncwire.Ack, error) {
	mark, err := tx.Acked()
	if err != nil {
		return syncwire.Ack{}, err
	}
	signed, err := tx.Meta(MetaAck)
	if errors.Is(err, store.ErrNotFound) {
		if mark != 0 {
			return syncwire.Ack{}, fmt.Errorf("%w: stored mark %d has no signed acknowledgement", ErrAck, mark)
		}
		return syncwire.Ack{}, nil
	}
	if err != nil {
		return syncwire.Ack{}, err
	}
	a, err := syncwire.OpenAck(s.cfg.PlatformKey, signed)
	switch {
	case err != nil:
		return syncwire.Ack{}, fmt.Errorf("%w: stored acknowledgement: %w", ErrAck, err)
	case a.Device != s.cfg.Device:
		return syncwire.Ack{}, fmt.Errorf("%w: stored acknowledgement names device %q", ErrAck, a.Device)
	case mark != a.Seq:
		return syncwire.Ack{}, fmt.Errorf("%w: stored mark %d differs from the signed acknowledgement's %d", ErrAck, mark, a.Seq)
	case a.Seq == 0:
		return a, nil
	}
	rec, err := tx.Result(a.Seq)
	if errors.Is(err, store.ErrNotFound) {
		return a, nil // beyond the local chain: loadAck reports the truncation
	}
	if err != nil {
		return syncwire.Ack{}, err
	}
	if result.Hash(rec) != a.HashArray() {
		return syncwire.Ack{}, fmt.Errorf("%w: record %d differs from the acknowledged one", ErrAck, a.Seq)
	}
	return a, nil
}

func (s *Syncer) alarm(err error) error {
	s.update(func(st *Status) { st.AckAlarm, st.AckProblem = true, err.Error() })
	return err
}

// accept verifies a signed acknowledgement against the batch it answers
// (first is the batch's first seq) and the store, then saves it and drops
// the acknowledged outbox entries in one transaction.
func (s *Syncer) accept(signed []byte, batch [][]byte, first uint64) (int, error) {
	a, err := syncwire.OpenAck(s.cfg.PlatformKey, signed)
	if err != nil {
		return 0, fmt.Errorf("sync: %w", err)
	}
	if a.Device != s.cfg.Device {
		return 0, s.alarm(fmt.Errorf("%w: ack names device %q", ErrAck, a.Device))
	}
	var advanced int
	err = s.db.Update(func(tx *store.Tx) error {
		prev, err := s.boundMark(tx)
		if err != nil {
			return err // an unbound mark: neither delete nor prune
		}
		acked := prev.Seq
		if a.Seq < acked {
			return fmt.Errorf("%w: platform mark %d is below the acknowledged %d (platform lost records?)", ErrAck, a.Seq, acked)
		}
		if err := s.checkHash(tx, a, batch, first); err != nil {
			return err
		}
		if err := tx.SetMeta(MetaAck, signed); err != nil {
			return err
		}
		if err := tx.DeleteOutbox(a.Seq); err != nil {
			if errors.Is(err, store.ErrAckAhead) {
				return fmt.Errorf("%w: %v", ErrAck, err)
			}
			return err
		}
		if s.cfg.PruneAcked && a.Seq > 1 {
			if err := tx.PruneResults(a.Seq); err != nil && !errors.Is(err, store.ErrUnacknowledged) {
				return err
			}
		}
		advanced = int(a.Seq - acked)
		return nil
	})
	if errors.Is(err, ErrAck) {
		return 0, s.alarm(err)
	}
	if err != nil {
		return 0, fmt.Errorf("sync: save acknowledgement: %w", err)
	}
	s.update(func(st *Status) {
		st.AckedSeq, st.PlatformMissing = a.Seq, a.Missing
		st.Uploaded += uint64(a.Stored)
		st.Pending = max(0, st.Pending-advanced)
		st.QueueAlarm = st.Pending >= s.cfg.QueueAlarm
		st.AckAlarm, st.AckProblem = false, ""
	})
	return advanced, nil
}

// checkHash checks that the acknowledged hash is that of the device's own
// record at a.Seq, from the batch if it holds it, else from the store.
func (s *Syncer) checkHash(tx *store.Tx, a syncwire.Ack, batch [][]byte, first uint64) error {
	if a.Seq == 0 {
		return nil
	}
	var rec []byte
	if a.Seq >= first && a.Seq < first+uint64(len(batch)) {
		rec = batch[a.Seq-first]
	} else {
		var err error
		rec, err = tx.Result(a.Seq)
		if errors.Is(err, store.ErrNotFound) {
			last, _, lerr := tx.LastResult()
			if lerr == nil && a.Seq > last {
				return fmt.Errorf("%w: ack %d beyond the last local record %d", ErrAck, a.Seq, last)
			}
			return nil // pruned earlier: nothing left to compare
		}
		if err != nil {
			return err
		}
	}
	if result.Hash(rec) != a.HashArray() {
		return fmt.Errorf("%w: acknowledged hash of seq %d is not this device's record", ErrAck, a.Seq)
	}
	return nil
}
