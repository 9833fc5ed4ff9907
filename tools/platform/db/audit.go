package db

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry is one line of the audit log. Org is "" when a request could
// not be tied to a tenant (an unknown device or credential).
type AuditEntry struct {
	ID      int64
	Org     string
	At      time.Time
	Actor   string // "device:<id>", "admin:<id>", or "anonymous"
	Action  string // e.g. "ingest", "device.create"
	Outcome string // "ok" or "rejected"
	Reason  string // machine-readable reason for a rejection
	Remote  string // client address
	Detail  string // human-readable detail
}

// Audit appends e to the audit log. A zero e.At means now.
func (d *DB) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := d.exec(ctx, "INSERT INTO audit (org_id, at, actor, action, outcome, reason, remote, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		e.Org, nanos(e.At), e.Actor, e.Action, e.Outcome, e.Reason, e.Remote, e.Detail)
	if err != nil {
		return fmt.Errorf("db: audit: %w", err)
	}
	return nil
}

// AuditLog returns up to limit entries of org with ID > after, oldest first.
// Entries with Org "" are visible only when org is "" (platform operators).
func (d *DB) AuditLog(ctx context.Context, org string, after int64, limit int) ([]AuditEntry, error) {
	rows, err := d.query(ctx, "SELECT id, org_id, at, actor, action, outcome, reason, remote, detail FROM audit WHERE org_id = ? AND id > ? ORDER BY id LIMIT ?",
		org, after, clampLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("db: audit log: %w", err)
	}
	return collect(rows, func(e *AuditEntry, s scanner) error {
		var at int64
		err := s.Scan(&e.ID, &e.Org, &at, &e.Actor, &e.Action, &e.Outcome, &e.Reason, &e.Remote, &e.Detail)
		e.At = fromNanos(at)
		return err
	})
}

// MaxPage is the largest page any list method returns.
const MaxPage = 10000

func clampLimit(n int) int {
	if n <= 0 || n > MaxPage {
		return MaxPage
	}
	return n
}
