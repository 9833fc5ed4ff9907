package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Org is a tenant.
type Org struct {
	ID      string
	Name    string
	Created time.Time
}

// Role is what an admin credential may do inside its organisation.
type Role string

// Roles, from most to least privileged.
const (
	RoleAdmin    Role = "admin"    // everything in the organisation, including credentials
	RoleOperator Role = "operator" // devices, events and subjects; reads results
	RoleAuditor  Role = "auditor"  // read-only: results, gaps, audit log, export
)

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleOperator || r == RoleAuditor }

// Admin is an admin API credential. The token itself is never stored, only
// its SHA-256.
type Admin struct {
	ID      string
	Org     string
	Name    string
	Role    Role
	Created time.Time
}

// Event groups devices and subjects of one organisation.
type Event struct {
	ID      string
	Org     string
	Name    string
	Created time.Time
}

// Subject is an enrolled person: an opaque reference chosen by the
// organisation and an HPKE envelope the platform cannot open.
type Subject struct {
	ID       string
	Org      string
	Event    string
	Ref      string
	Envelope []byte
	Created  time.Time
}

// CreateOrg adds a tenant.
func (d *DB) CreateOrg(ctx context.Context, name string) (Org, error) {
	if name == "" {
		return Org{}, fmt.Errorf("%w: empty organisation name", ErrInvalid)
	}
	o := Org{ID: NewID("org_"), Name: name, Created: time.Now().UTC()}
	_, err := d.exec(ctx, "INSERT INTO orgs (id, name, created) VALUES (?, ?, ?)", o.ID, o.Name, nanos(o.Created))
	if err != nil {
		return Org{}, wrapCreate("organisation", name, err)
	}
	return o, nil
}

// OrgByName looks up a tenant by its unique name.
func (d *DB) OrgByName(ctx context.Context, name string) (Org, error) {
	var o Org
	var created int64
	err := d.queryRow(ctx, "SELECT id, name, created FROM orgs WHERE name = ?", name).Scan(&o.ID, &o.Name, &created)
	if err != nil {
		return Org{}, wrapGet("organisation", name, err)
	}
	o.Created = fromNanos(created)
	return o, nil
}

// CreateAdmin stores a credential for org; tokenHash is SHA-256 of the
// bearer token handed to the holder.
func (d *DB) CreateAdmin(ctx context.Context, org, name string, role Role, tokenHash []byte) (Admin, error) {
	if !role.Valid() || name == "" || len(tokenHash) != 32 {
		return Admin{}, fmt.Errorf("%w: admin %q role %q", ErrInvalid, name, role)
	}
	a := Admin{ID: NewID("adm_"), Org: org, Name: name, Role: role, Created: time.Now().UTC()}
	_, err := d.exec(ctx, "INSERT INTO admins (id, org_id, name, role, token_hash, created) VALUES (?, ?, ?, ?, ?, ?)",
		a.ID, a.Org, a.Name, string(a.Role), tokenHash, nanos(a.Created))
	if err != nil {
		return Admin{}, wrapCreate("admin", name, err)
	}
	return a, nil
}

// AdminByTokenHash authenticates an admin credential. It is one of the two
// unscoped lookups: the credential decides the organisation.
func (d *DB) AdminByTokenHash(ctx context.Context, tokenHash []byte) (Admin, error) {
	var a Admin
	var role string
	var created int64
	err := d.queryRow(ctx, "SELECT id, org_id, name, role, created FROM admins WHERE token_hash = ?", tokenHash).
		Scan(&a.ID, &a.Org, &a.Name, &role, &created)
	if err != nil {
		return Admin{}, wrapGet("admin", "token", err)
	}
	a.Role, a.Created = Role(role), fromNanos(created)
	return a, nil
}

// ListAdmins returns the organisation's credentials (without tokens).
func (d *DB) ListAdmins(ctx context.Context, org string) ([]Admin, error) {
	rows, err := d.query(ctx, "SELECT id, org_id, name, role, created FROM admins WHERE org_id = ? ORDER BY name", org)
	if err != nil {
		return nil, fmt.Errorf("db: list admins: %w", err)
	}
	return collect(rows, func(a *Admin, s scanner) error {
		var role string
		var created int64
		err := s.Scan(&a.ID, &a.Org, &a.Name, &role, &created)
		a.Role, a.Created = Role(role), fromNanos(created)
		return err
	})
}

// DeleteAdmin removes org's credential id; its token stops working at once.
func (d *DB) DeleteAdmin(ctx context.Context, org, id string) error {
	res, err := d.exec(ctx, "DELETE FROM admins WHERE org_id = ? AND id = ?", org, id)
	if err != nil {
		return fmt.Errorf("db: delete admin %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: admin %q", ErrNotFound, id)
	}
	return nil
}

// CreateEvent adds an event to org.
func (d *DB) CreateEvent(ctx context.Context, org, name string) (Event, error) {
	if name == "" {
		return Event{}, fmt.Errorf("%w: empty event name", ErrInvalid)
	}
	e := Event{ID: NewID("evt_"), Org: org, Name: name, Created: time.Now().UTC()}
	_, err := d.exec(ctx, "INSERT INTO events (id, org_id, name, created) VALUES (?, ?, ?, ?)", e.ID, e.Org, e.Name, nanos(e.Created))
	if err != nil {
		return Event{}, wrapCreate("event", name, err)
	}
	return e, nil
}

// Event returns one event of org.
func (d *DB) Event(ctx context.Context, org, id string) (Event, error) {
	var e Event
	var created int64
	err := d.queryRow(ctx, "SELECT id, org_id, name, created FROM events WHERE org_id = ? AND id = ?", org, id).
		Scan(&e.ID, &e.Org, &e.Name, &created)
	if err != nil {
		return Event{}, wrapGet("event", id, err)
	}
	e.Created = fromNanos(created)
	return e, nil
}

// ListEvents returns one page of the organisation's events in name order
// and the cursor of the next page ("" after the last).
func (d *DB) ListEvents(ctx context.Context, org string, p Page) ([]Event, string, error) {
	cond, suffix, args, err := p.where("name")
	if err != nil {
		return nil, "", err
	}
	rows, err := d.query(ctx, "SELECT id, org_id, name, created FROM events WHERE org_id = ?"+cond+suffix, append([]any{org}, args...)...)
	if err != nil {
		return nil, "", fmt.Errorf("db: list events: %w", err)
	}
	return collectPage(rows, p, func(e *Event, s scanner) error {
		var created int64
		err := s.Scan(&e.ID, &e.Org, &e.Name, &created)
		e.Created = fromNanos(created)
		return err
	}, func(e Event) (string, string) { return e.Name, e.ID })
}

// CreateSubject adds an enrolled subject to org. If s.Event is set it must
// be an event of the same organisation.
func (d *DB) CreateSubject(ctx context.Context, org string, s Subject) (Subject, error) {
	if s.Ref == "" {
		return Subject{}, fmt.Errorf("%w: empty subject reference", ErrInvalid)
	}
	s.ID, s.Org, s.Created = NewID("sub_"), org, time.Now().UTC()
	if s.Envelope == nil {
		s.Envelope = []byte{}
	}
	err := d.write(ctx, func(tx *sql.Tx) error {
		if err := d.checkEvent(ctx, tx, org, s.Event); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, d.dialect.rebind("INSERT INTO subjects (id, org_id, event_id, ref, envelope, created) VALUES (?, ?, ?, ?, ?, ?)"),
			s.ID, s.Org, s.Event, s.Ref, s.Envelope, nanos(s.Created))
		return err
	})
	if err != nil {
		return Subject{}, wrapCreate("subject", s.Ref, err)
	}
	return s, nil
}

// ListSubjects returns one page of the organisation's subjects, optionally
// of one event, in reference order, and the cursor of the next page ("" after
// the last).
func (d *DB) ListSubjects(ctx context.Context, org, event string, p Page) ([]Subject, string, error) {
	cond, suffix, args, err := p.where("ref")
	if err != nil {
		return nil, "", err
	}
	rows, err := d.query(ctx, "SELECT id, org_id, event_id, ref, envelope, created FROM subjects WHERE org_id = ? AND (? = '' OR event_id = ?)"+cond+suffix,
		append([]any{org, event, event}, args...)...)
	if err != nil {
		return nil, "", fmt.Errorf("db: list subjects: %w", err)
	}
	return collectPage(rows, p, func(s *Subject, sc scanner) error {
		var created int64
		err := sc.Scan(&s.ID, &s.Org, &s.Event, &s.Ref, &s.Envelope, &created)
		s.Created = fromNanos(created)
		return err
	}, func(s Subject) (string, string) { return s.Ref, s.ID })
}

// checkEvent verifies, inside tx, that event ("" = none) belongs to org.
func (d *DB) checkEvent(ctx context.Context, tx *sql.Tx, org, event string) error {
	if event == "" {
		return nil
	}
	var one int
	err := tx.QueryRowContext(ctx, d.dialect.rebind("SELECT 1 FROM events WHERE org_id = ? AND id = ?"), org, event).Scan(&one)
	return wrapGet("event", event, err)
}

type scanner interface{ Scan(dest ...any) error }

// collect scans every row into a T and closes rows.
func collect[T any](rows *sql.Rows, scan func(*T, scanner) error) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(&v, rows); err != nil {
			return nil, fmt.Errorf("db: scan: %w", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("db: rows: %w", err)
	}
	return out, nil
}

func wrapGet(what, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("%w: %s %q", ErrNotFound, what, key)
	}
	return fmt.Errorf("db: get %s %q: %w", what, key, err)
}

func wrapCreate(what, key string, err error) error {
	switch {
	case errors.Is(err, ErrNotFound):
		return err
	case isUnique(err):
		return fmt.Errorf("%w: %s %q", ErrExists, what, key)
	}
	return fmt.Errorf("db: create %s %q: %w", what, key, err)
}
