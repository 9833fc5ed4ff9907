package store

import (
	"errors"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/atomicfile"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// DefaultTimeout is how long Open waits for the file lock when
// Options.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// Options configures Open. A nil *Options means all defaults.
type Options struct {
	// Timeout is how long to wait for another process to release the file
	// lock. Zero means DefaultTimeout; negative waits indefinitely.
	Timeout time.Duration

	// ReadOnly opens the file with a shared lock; Update fails. An older
	// schema is not migrated but refused with ErrNeedsMigration.
	ReadOnly bool

	// SkipCheck skips the full consistency check (bbolt page structure and
	// every record's encoding) that Open runs by default. The check reads
	// the whole file once.
	SkipCheck bool

	// Logger receives diagnostics (migrations, compaction, stale files).
	// Nil discards them.
	Logger *slog.Logger

	// Now supplies the time stamped on audit events and sealed templates.
	// Nil means time.Now.
	Now func() time.Time

	// schema is the version a new file is created at and migrated to; zero
	// means currentSchema. Tests set it to build files of older versions.
	schema uint32
}

// DB is an open store. It is safe for concurrent use.
type DB struct {
	path string
	opts Options
	log  *slog.Logger
	now  func() time.Time

	// mu is held shared by transactions and exclusively by Compact and
	// Close, which replace or release bolt.
	mu   sync.RWMutex
	bolt *bolt.DB
}

// Temporary files written beside the store: by Compact, and by Open when it
// creates a new store.
const (
	compactSuffix = ".compact"
	initSuffix    = ".init"
)

// Open opens or creates the store at path. The directory must exist. An
// existing file is validated and migrated; it is never re-initialised.
func Open(path string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case o.Timeout == 0:
		o.Timeout = DefaultTimeout
	case o.Timeout < 0:
		o.Timeout = 0 // bbolt's "wait indefinitely"
	}
	if o.schema == 0 {
		o.schema = currentSchema
	}
	db := &DB{path: path, opts: o, log: o.Logger, now: o.Now}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.now == nil {
		db.now = time.Now
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err) // err names dir
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("store: data directory %s: %w", dir, errNotDir)
	}
	if err := checkReadable(dir); err != nil {
		return nil, fmt.Errorf("store: data directory: %w", err) // err names dir
	}
	if !o.ReadOnly {
		// Leftovers from a creation or compaction interrupted before its
		// rename: the file at path (if any) is still authoritative.
		for _, tmp := range []string{path + initSuffix, path + compactSuffix} {
			if _, err := os.Lstat(tmp); err != nil {
				continue // absent (or unreachable: opening path will say why)
			}
			if err := os.Remove(tmp); err != nil {
				return nil, fmt.Errorf("store: remove stale %s: %w", tmp, err)
			}
			db.log.Warn("store: removed interrupted temporary file", "file", tmp)
		}
	}
	fi, err = os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !o.ReadOnly:
		if err := db.create(); err != nil {
			return nil, err
		}
	case err == nil && fi.Mode().IsRegular() && fi.Size() == 0:
		// Files are created complete (see create), so an empty one lost
		// its contents. Starting afresh would restart the result chain.
		return nil, fmt.Errorf("%w: %s is empty; move it away to start a new store", ErrCorrupt, path)
	}
	if err := db.openBolt(); err != nil {
		return nil, err
	}
	if err := db.init(); err != nil {
		db.bolt.Close()
		return nil, err
	}
	return db, nil
}

var errNotDir = errors.New("not a directory")

// checkReadable reports whether dir can be listed, so that an unreadable
// data directory is reported as such rather than as a missing file.
func checkReadable(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.Readdirnames(1); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// create writes a new, initialised store beside path and renames it into
// place, so the file at path is always complete: a crash leaves either no
// store or an initialised one, never an empty file.
func (db *DB) create() error {
	tmp := db.path + initSuffix
	b, err := openBoltRecover(tmp, db.boltOptions())
	if err != nil {
		return fmt.Errorf("store: create %s: %w", tmp, err)
	}
	err = b.Update(db.migrate)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// A hard link never replaces a file another process created
		// meanwhile; then that store is the one to open.
		if err = os.Link(tmp, db.path); errors.Is(err, fs.ErrExist) {
			err = nil
		}
	}
	os.Remove(tmp)
	if err == nil {
		err = atomicfile.SyncDir(filepath.Dir(db.path))
	}
	if err != nil {
		return fmt.Errorf("store: create %s: %w", db.path, err)
	}
	return nil
}

// openBoltRecover is bolt.Open, turning the panics bbolt raises on some
// damaged files (an unreadable freelist page, for example) into ErrCorrupt.
// It captures the file bbolt opens so a panic does not leak its lock.
func openBoltRecover(path string, opts *bolt.Options) (b *bolt.DB, err error) {
	var f *os.File
	opts.OpenFile = func(name string, flag int, mode os.FileMode) (*os.File, error) {
		var err error
		f, err = os.OpenFile(name, flag, mode)
		return f, err
	}
	defer func() {
		if r := recover(); r != nil {
			if f != nil {
				f.Close()
			}
			b, err = nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, r)
		}
	}()
	return bolt.Open(path, 0o600, opts)
}

// boltOptions are the settings every handle uses. Durability settings are
// left at their safe values: fsync on commit, freelist synced, file growth
// synced.
func (db *DB) boltOptions() *bolt.Options {
	return &bolt.Options{
		Timeout:        db.opts.Timeout,
		ReadOnly:       db.opts.ReadOnly,
		NoSync:         false,
		NoFreelistSync: false,
		NoGrowSync:     false,
		FreelistType:   bolt.FreelistMapType,
	}
}

func (db *DB) openBolt() error {
	if db.opts.ReadOnly {
		// bbolt would create a missing file even in read-only mode.
		if _, err := os.Stat(db.path); err != nil {
			return fmt.Errorf("store: %w", err) // names the file
		}
	}
	b, err := openBoltRecover(db.path, db.boltOptions())
	switch {
	case err == nil:
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("%w: %s (waited %v)", ErrLocked, db.path, db.opts.Timeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrInvalidMapping):
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, db.path, err)
	default:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return fmt.Errorf("store: %w", err) // names the file
		}
		// bbolt reports short or garbled files with plain errors.
		if fi, serr := os.Stat(db.path); serr == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
			return fmt.Errorf("%w: %s: %w", ErrCorrupt, db.path, err)
		}
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	db.bolt = b
	return nil
}

// init validates the file and brings its schema up to date. A file that
// is already current is only read, so a store on a full disk still opens.
func (db *DB) init() error {
	if !db.opts.SkipCheck {
		if err := db.check(); err != nil {
			return err
		}
	}
	var v uint32
	if err := db.bolt.View(func(btx *bolt.Tx) (err error) {
		v, err = schemaVersion(btx)
		return err
	}); err != nil {
		return db.pathErr(err)
	}
	if v == db.opts.schema || v > currentSchema || db.opts.ReadOnly {
		return db.pathErr(db.compareSchema(v))
	}
	if err := db.bolt.Update(func(btx *bolt.Tx) error { return db.migrate(btx) }); err != nil {
		return db.pathErr(err)
	}
	return nil
}

// pathErr prefixes err with the file path.
func (db *DB) pathErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", db.path, err)
}

// Path returns the file the store lives in.
func (db *DB) Path() string { return db.path }

// Close releases the file. Transactions in progress finish first.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.bolt == nil {
		return ErrClosed
	}
	err := db.bolt.Close()
	db.bolt = nil
	if err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	return nil
}

// Update runs fn in one read-write transaction that is durably committed
// (fsynced) when fn returns nil and rolled back entirely otherwise. Errors
// from fn are returned as they are; a failed commit (for example a full
// disk) returns an error naming the file, and the store keeps its previous
// state. fn must not call Update, View or Compact on the same DB.
func (db *DB) Update(fn func(*Tx) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.bolt == nil {
		return ErrClosed
	}
	var fnErr error
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		fnErr = fn(&Tx{btx: btx, db: db})
		return fnErr
	})
	if err != nil && fnErr == nil {
		return fmt.Errorf("store: commit %s: %w", db.path, err)
	}
	return err
}

// View runs fn in a read-only transaction over a consistent snapshot. fn
// must not call Update, View or Compact on the same DB.
func (db *DB) View(fn func(*Tx) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.bolt == nil {
		return ErrClosed
	}
	return db.bolt.View(func(btx *bolt.Tx) error {
		return fn(&Tx{btx: btx, db: db})
	})
}

// Tx is a transaction handed to Update and View callbacks. It must not be
// used after the callback returns, nor from other goroutines.
type Tx struct {
	btx *bolt.Tx
	db  *DB
}

// Writable reports whether the transaction may modify the store.
func (tx *Tx) Writable() bool { return tx.btx.Writable() }

// bucket returns a top-level bucket, which must exist in a valid file.
func (tx *Tx) bucket(name []byte) (*bolt.Bucket, error) {
	b := tx.btx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("%w: bucket %q missing", ErrCorrupt, name)
	}
	return b, nil
}
