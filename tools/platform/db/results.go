package db

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"
)

// Result is one stored result record: the device's signed COSE_Sign1 bytes
// and the fields the platform indexes.
type Result struct {
	Org      string
	Device   string
	Seq      uint64
	Hash     [32]byte
	PrevHash [32]byte
	Received time.Time // the platform's clock when it stored
	Record   []byte
}

// Gap is a run of sequence numbers [From, To] the device never delivered.
type Gap struct {
	Org      string
	Device   string
	From, To uint64
	Detected time.Time
}

// Append is one verified batch for AppendResults.
type Append struct {
	// Expect is the head the batch was verified against.
	Expect Head
	// Head is the new head after the batch.
	Head Head
	// Received is when the batch was stored.
	Received time.Time
	// Gap, if non-nil, is recorded with the batch.
	Gap *Gap
	// Results are the new records, in sequence order, all above Expect.Seq.
	Results []Result
}

// rowsPerInsert bounds one multi-row INSERT (7 parameters a row stays far
// below SQLite's and PostgreSQL's parameter limits).
const rowsPerInsert = 200

// AppendResults stores a verified batch for org's device in one transaction
// and moves the device's head from a.Expect to a.Head. If the head is no
// longer a.Expect (another request advanced it, or the device was revoked)
// nothing is written and ErrHeadMoved is returned.
func (d *DB) AppendResults(ctx context.Context, org, device string, a Append) error {
	if a.Head.Seq > math.MaxInt64 {
		return fmt.Errorf("%w: %d", ErrOutOfRange, a.Head.Seq)
	}
	return d.write(ctx, func(tx *sql.Tx) error {
		var missing int64
		if a.Gap != nil {
			if a.Gap.To < a.Gap.From || a.Gap.To > math.MaxInt64 {
				return fmt.Errorf("%w: gap %d..%d", ErrInvalid, a.Gap.From, a.Gap.To)
			}
			missing = int64(a.Gap.To - a.Gap.From + 1)
		}
		res, err := tx.ExecContext(ctx, d.dialect.rebind(
			"UPDATE devices SET head_seq = ?, head_hash = ?, head_recv = ?, missing = missing + ? WHERE org_id = ? AND id = ? AND revoked = 0 AND head_seq = ? AND head_hash = ?"),
			int64(a.Head.Seq), a.Head.Hash[:], nanos(a.Received), missing, org, device, int64(a.Expect.Seq), a.Expect.Hash[:])
		if err != nil {
			return fmt.Errorf("db: advance head of %q: %w", device, err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("%w: device %q expected head %d", ErrHeadMoved, device, a.Expect.Seq)
		}
		if g := a.Gap; g != nil {
			if _, err := tx.ExecContext(ctx, d.dialect.rebind("INSERT INTO gaps (org_id, device_id, from_seq, to_seq, detected) VALUES (?, ?, ?, ?, ?)"),
				org, device, int64(g.From), int64(g.To), nanos(g.Detected)); err != nil {
				return fmt.Errorf("db: record gap of %q: %w", device, err)
			}
		}
		for rs := a.Results; len(rs) > 0; {
			n := min(len(rs), rowsPerInsert)
			if err := d.insertResults(ctx, tx, org, device, rs[:n]); err != nil {
				return err
			}
			rs = rs[n:]
		}
		return nil
	})
}

func (d *DB) insertResults(ctx context.Context, tx *sql.Tx, org, device string, rs []Result) error {
	var q strings.Builder
	q.WriteString("INSERT INTO results (org_id, device_id, seq, hash, prev_hash, received, record) VALUES ")
	args := make([]any, 0, 7*len(rs))
	for i := range rs {
		r := &rs[i]
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?)")
		args = append(args, org, device, int64(r.Seq), r.Hash[:], r.PrevHash[:], nanos(r.Received), r.Record)
	}
	if _, err := tx.ExecContext(ctx, d.dialect.rebind(q.String()), args...); err != nil {
		return fmt.Errorf("db: insert results of %q: %w", device, err)
	}
	return nil
}

// ResultHashes returns the stored hashes of org's device for sequence numbers
// in [from, to]. Numbers that were never stored (gaps) are absent.
func (d *DB) ResultHashes(ctx context.Context, org, device string, from, to uint64) (map[uint64][32]byte, error) {
	if to > math.MaxInt64 {
		return nil, fmt.Errorf("%w: %d", ErrOutOfRange, to)
	}
	rows, err := d.query(ctx, "SELECT seq, hash FROM results WHERE org_id = ? AND device_id = ? AND seq >= ? AND seq <= ?", org, device, int64(from), int64(to))
	if err != nil {
		return nil, fmt.Errorf("db: result hashes: %w", err)
	}
	defer rows.Close()
	out := make(map[uint64][32]byte)
	for rows.Next() {
		var seq int64
		var h []byte
		if err := rows.Scan(&seq, &h); err != nil {
			return nil, fmt.Errorf("db: scan: %w", err)
		}
		var a [32]byte
		copy(a[:], h)
		out[uint64(seq)] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: rows: %w", err)
	}
	return out, nil
}

// ResultQuery selects results of one organisation.
type ResultQuery struct {
	Device   string // "" = every device of the organisation
	AfterSeq uint64 // only with Device: results with Seq > AfterSeq
	Limit    int    // 0 = MaxPage
}

// Results returns org's results ordered by device and sequence number.
func (d *DB) Results(ctx context.Context, org string, q ResultQuery) ([]Result, error) {
	if q.AfterSeq > math.MaxInt64 {
		return nil, fmt.Errorf("%w: %d", ErrOutOfRange, q.AfterSeq)
	}
	rows, err := d.query(ctx, "SELECT org_id, device_id, seq, hash, prev_hash, received, record FROM results WHERE org_id = ? AND (? = '' OR (device_id = ? AND seq > ?)) ORDER BY device_id, seq LIMIT ?",
		org, q.Device, q.Device, int64(q.AfterSeq), clampLimit(q.Limit))
	if err != nil {
		return nil, fmt.Errorf("db: results: %w", err)
	}
	return collect(rows, func(r *Result, s scanner) error {
		var seq, recv int64
		var h, p []byte
		if err := s.Scan(&r.Org, &r.Device, &seq, &h, &p, &recv, &r.Record); err != nil {
			return err
		}
		r.Seq, r.Received = uint64(seq), fromNanos(recv)
		copy(r.Hash[:], h)
		copy(r.PrevHash[:], p)
		return nil
	})
}

// CountResults returns how many results org holds (of one device if device
// is not "").
func (d *DB) CountResults(ctx context.Context, org, device string) (int64, error) {
	var n int64
	err := d.queryRow(ctx, "SELECT COUNT(*) FROM results WHERE org_id = ? AND (? = '' OR device_id = ?)", org, device, device).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("db: count results: %w", err)
	}
	return n, nil
}

// Gaps returns org's recorded gaps (of one device if device is not "").
func (d *DB) Gaps(ctx context.Context, org, device string) ([]Gap, error) {
	rows, err := d.query(ctx, "SELECT org_id, device_id, from_seq, to_seq, detected FROM gaps WHERE org_id = ? AND (? = '' OR device_id = ?) ORDER BY device_id, from_seq",
		org, device, device)
	if err != nil {
		return nil, fmt.Errorf("db: gaps: %w", err)
	}
	return collect(rows, func(g *Gap, s scanner) error {
		var from, to, det int64
		err := s.Scan(&g.Org, &g.Device, &from, &to, &det)
		g.From, g.To, g.Detected = uint64(from), uint64(to), fromNanos(det)
		return err
	})
}
