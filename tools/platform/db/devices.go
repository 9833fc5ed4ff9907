package db

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"time"
)

// Head is the newest stored record of a device's chain. The zero Head is an
// empty chain.
type Head struct {
	Seq  uint64
	Hash [32]byte
}

// Chain is what the platform knows about a device's chain.
type Chain struct {
	Head     Head
	Received time.Time // when Head was stored (zero for an empty chain)
	Missing  uint64    // sequence numbers recorded as gaps, in total
}

// Device is a kiosk registered to an organisation, identified by its pinned
// Ed25519 public key.
type Device struct {
	ID        string
	Org       string
	Event     string
	Name      string
	PublicKey ed25519.PublicKey
	Revoked   bool
	Created   time.Time
	Chain     Chain
}

const deviceCols = "id, org_id, event_id, name, public_key, revoked, created, head_seq, head_hash, head_recv, missing"

func scanDevice(s scanner, dv *Device) error {
	var revoked, created, seq, recv, missing int64
	var pub, hash []byte
	if err := s.Scan(&dv.ID, &dv.Org, &dv.Event, &dv.Name, &pub, &revoked, &created, &seq, &hash, &recv, &missing); err != nil {
		return err
	}
	if len(pub) != ed25519.PublicKeySize || len(hash) != 32 || seq < 0 || missing < 0 {
		return fmt.Errorf("db: device %q: corrupt row", dv.ID)
	}
	dv.PublicKey = ed25519.PublicKey(pub)
	dv.Revoked, dv.Created = revoked != 0, fromNanos(created)
	dv.Chain = Chain{Head: Head{Seq: uint64(seq)}, Received: fromNanos(recv), Missing: uint64(missing)}
	copy(dv.Chain.Head.Hash[:], hash)
	return nil
}

// CreateDevice registers dv in org. dv.ID and dv.PublicKey are required; a
// public key may belong to one device only, across all organisations.
func (d *DB) CreateDevice(ctx context.Context, org string, dv Device) (Device, error) {
	if dv.ID == "" || len(dv.PublicKey) != ed25519.PublicKeySize {
		return Device{}, fmt.Errorf("%w: device needs an ID and a %d-byte public key", ErrInvalid, ed25519.PublicKeySize)
	}
	dv.Org, dv.Created, dv.Revoked, dv.Chain = org, time.Now().UTC(), false, Chain{}
	err := d.write(ctx, func(tx *sql.Tx) error {
		if err := d.checkEvent(ctx, tx, org, dv.Event); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, d.dialect.rebind("INSERT INTO devices ("+deviceCols+") VALUES (?, ?, ?, ?, ?, 0, ?, 0, ?, 0, 0)"),
			dv.ID, org, dv.Event, dv.Name, []byte(dv.PublicKey), nanos(dv.Created), make([]byte, 32))
		return err
	})
	if err != nil {
		return Device{}, wrapCreate("device", dv.ID, err)
	}
	return dv, nil
}

// Device returns one device of org.
func (d *DB) Device(ctx context.Context, org, id string) (Device, error) {
	var dv Device
	err := scanDevice(d.queryRow(ctx, "SELECT "+deviceCols+" FROM devices WHERE org_id = ? AND id = ?", org, id), &dv)
	return dv, wrapGet("device", id, err)
}

// DeviceForAuth returns the device with the given ID whatever its
// organisation. It is one of the two unscoped lookups: it authenticates a
// device request, and the device's pinned key decides the organisation.
func (d *DB) DeviceForAuth(ctx context.Context, id string) (Device, error) {
	var dv Device
	err := scanDevice(d.queryRow(ctx, "SELECT "+deviceCols+" FROM devices WHERE id = ?", id), &dv)
	return dv, wrapGet("device", id, err)
}

// ListDevices returns one page of the organisation's devices in ID order
// and the cursor of the next page ("" after the last).
func (d *DB) ListDevices(ctx context.Context, org string, p Page) ([]Device, string, error) {
	cond, suffix, args, err := p.where("id")
	if err != nil {
		return nil, "", err
	}
	rows, err := d.query(ctx, "SELECT "+deviceCols+" FROM devices WHERE org_id = ?"+cond+suffix, append([]any{org}, args...)...)
	if err != nil {
		return nil, "", fmt.Errorf("db: list devices: %w", err)
	}
	return collectPage(rows, p, func(dv *Device, s scanner) error { return scanDevice(s, dv) },
		func(dv Device) (string, string) { return dv.ID, dv.ID })
}

// RevokeDevice stops org's device from authenticating. Its stored results
// stay.
func (d *DB) RevokeDevice(ctx context.Context, org, id string) error {
	res, err := d.exec(ctx, "UPDATE devices SET revoked = ? WHERE org_id = ? AND id = ?", time.Now().UnixNano(), org, id)
	if err != nil {
		return fmt.Errorf("db: revoke device %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: device %q", ErrNotFound, id)
	}
	return nil
}

// UseNonce records that device used nonce in a request valid until expires.
// It returns ErrNonceReused if the nonce was seen before.
func (d *DB) UseNonce(ctx context.Context, device string, nonce []byte, expires time.Time) error {
	_, err := d.exec(ctx, "INSERT INTO nonces (device_id, nonce, expires) VALUES (?, ?, ?)", device, nonce, nanos(expires))
	if isUnique(err) {
		return fmt.Errorf("%w: device %q", ErrNonceReused, device)
	}
	if err != nil {
		return fmt.Errorf("db: record nonce: %w", err)
	}
	return nil
}

// PruneNonces forgets nonces of requests that expired before now, returning
// how many were removed.
func (d *DB) PruneNonces(ctx context.Context, now time.Time) (int64, error) {
	res, err := d.exec(ctx, "DELETE FROM nonces WHERE expires < ?", nanos(now))
	if err != nil {
		return 0, fmt.Errorf("db: prune nonces: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
