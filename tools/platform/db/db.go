package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Options configures Open. A nil *Options means the defaults.
type Options struct {
	// Logger receives migration and retry messages; nil discards them.
	Logger *slog.Logger
	// MaxConns bounds the read pool (and, for PostgreSQL, the write pool).
	// Zero means 8.
	MaxConns int
	// BusyRetries is how many times a write that hit a lock conflict is
	// retried. Zero means 5.
	BusyRetries int
}

// DB is an open platform database. It is safe for concurrent use.
type DB struct {
	dialect Dialect
	w, r    *sql.DB
	log     *slog.Logger
	retries int
}

// Open connects to the database named by dsn, applies pending migrations and
// returns it. See the package documentation for the DSN forms.
func Open(ctx context.Context, dsn string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 8
	}
	if o.BusyRetries <= 0 {
		o.BusyRetries = 5
	}
	d := &DB{log: o.Logger, retries: o.BusyRetries}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		d.dialect = Postgres
		if d.w, err = sql.Open("pgx", dsn); err != nil {
			return nil, fmt.Errorf("db: open postgres: %w", err)
		}
		d.w.SetMaxOpenConns(o.MaxConns)
		d.w.SetMaxIdleConns(o.MaxConns)
		d.r = d.w
	} else {
		d.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if path == "" {
			return nil, fmt.Errorf("%w: empty SQLite path", ErrInvalid)
		}
		if d.w, err = sql.Open("sqlite", sqliteDSN(path, true)); err != nil {
			return nil, fmt.Errorf("db: open sqlite: %w", err)
		}
		// One writer connection: SQLite allows a single writer, and queueing
		// in Go is cheaper than spinning on SQLITE_BUSY.
		d.w.SetMaxOpenConns(1)
		if d.r, err = sql.Open("sqlite", sqliteDSN(path, false)); err != nil {
			d.w.Close()
			return nil, fmt.Errorf("db: open sqlite: %w", err)
		}
		d.r.SetMaxOpenConns(o.MaxConns)
	}
	if err := d.w.PingContext(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("db: connect %s: %w", d.dialect, err)
	}
	if err := d.migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// sqliteDSN builds a modernc.org/sqlite DSN for path. Every connection gets
// WAL, synchronous=FULL (a committed transaction survives power loss), a busy
// timeout and foreign keys; the writer starts transactions IMMEDIATE so that
// a read-then-write transaction never fails to upgrade its lock.
func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	if writer {
		q.Set("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Dialect reports the backend in use.
func (d *DB) Dialect() Dialect { return d.dialect }

// Close closes every connection.
func (d *DB) Close() error {
	err := d.w.Close()
	if d.r != d.w {
		err = errors.Join(err, d.r.Close())
	}
	return err
}

// write runs fn in a write transaction, retrying on transient lock
// conflicts. fn must be safe to run more than once.
func (d *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = d.tx(ctx, fn)
		if err == nil || !isBusy(err) || attempt >= d.retries {
			return err
		}
		d.log.DebugContext(ctx, "db: retrying busy transaction", "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
}

func (d *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := d.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(err, rollback(tx))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

func rollback(tx *sql.Tx) error {
	if err := tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
		return fmt.Errorf("db: rollback: %w", err)
	}
	return nil
}

// exec runs one statement in its own write transaction.
func (d *DB) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := d.write(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, d.dialect.rebind(q), args...)
		return err
	})
	return res, err
}

// query runs a read query on the read pool.
func (d *DB) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return d.r.QueryContext(ctx, d.dialect.rebind(q), args...)
}

func (d *DB) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return d.r.QueryRowContext(ctx, d.dialect.rebind(q), args...)
}

// NewID returns a fresh random identifier with the given prefix.
func NewID(prefix string) string { return prefix + strings.ToLower(rand.Text()) }

func nanos(t time.Time) int64 { return t.UnixNano() }

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
