package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestDurabilityOptions(t *testing.T) {
	db := openTest(t, nil)
	b := db.bolt
	if b.NoSync {
		t.Error("NoSync is on: commits would not be fsynced")
	}
	if b.NoFreelistSync {
		t.Error("NoFreelistSync is on")
	}
	if b.NoGrowSync {
		t.Error("NoGrowSync is on")
	}
	if b.MmapFlags != 0 {
		t.Errorf("MmapFlags = %#x, want 0", b.MmapFlags)
	}
	// The handle Compact reopens must keep the same settings.
	if err := db.Compact(); err != nil {
		t.Fatal(err)
	}
	if db.bolt.NoSync || db.bolt.NoFreelistSync || db.bolt.NoGrowSync {
		t.Error("durability settings changed by Compact")
	}
}

func TestOpenNewFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vouch.db")
	db := openAt(t, path, nil)
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
	}
	mustView(t, db, func(tx *Tx) error {
		v, err := schemaVersion(tx.btx)
		if err != nil || v != currentSchema {
			t.Errorf("schema = %d, %v; want %d", v, err, currentSchema)
		}
		return nil
	})
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vouch.db")
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, db, 1, 3)
	mustUpdate(t, db, func(tx *Tx) error { return tx.SetMeta("device", []byte("d1")) })
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if err := db.View(func(*Tx) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("View after Close = %v, want ErrClosed", err)
	}
	db = openAt(t, path, nil)
	mustView(t, db, func(tx *Tx) error {
		seq, r, err := tx.LastResult()
		if seq != 3 || !bytes.Equal(r, rec(3)) || err != nil {
			t.Errorf("LastResult after reopen = %d, %q, %v", seq, r, err)
		}
		if v, err := tx.Meta("device"); string(v) != "d1" || err != nil {
			t.Errorf("Meta after reopen = %q, %v", v, err)
		}
		return nil
	})
}

// writeSchema rewrites the schema version of a closed store file.
func writeSchema(t *testing.T, path string, v uint32) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(func(btx *bolt.Tx) error {
		return btx.Bucket(bucketMeta).Put(metaSchema, binary.BigEndian.AppendUint32(nil, v))
	}); err != nil {
		t.Fatal(err)
	}
}

func newClosedStore(t *testing.T, opts *Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vouch.db")
	db, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	appendN(t, db, 1, 2)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := newClosedStore(t, nil)
	writeSchema(t, path, currentSchema+1)
	before, _ := os.ReadFile(path)
	for _, ro := range []bool{false, true} {
		_, err := Open(path, &Options{ReadOnly: ro})
		if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(ReadOnly=%v) of newer schema = %v, want ErrSchemaTooNew naming the file", ro, err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("refused file was modified")
	}
}

// corruptions damage a closed store file in ways Open must detect.
var corruptions = []struct {
	name string
	mod  func(t *testing.T, path string)
}{
	{"garbage", func(t *testing.T, path string) {
		os.WriteFile(path, bytes.Repeat([]byte("not a database "), 2000), 0o600)
	}},
	{"empty", func(t *testing.T, path string) {
		os.Truncate(path, 0)
	}},
	{"short", func(t *testing.T, path string) {
		os.WriteFile(path, []byte("bolt?"), 0o600)
	}},
	{"both meta pages zeroed", func(t *testing.T, path string) {
		f := openRW(t, path)
		defer f.Close()
		f.WriteAt(make([]byte, 2*os.Getpagesize()), 0)
	}},
	{"schema key missing", func(t *testing.T, path string) {
		b, _ := bolt.Open(path, 0o600, nil)
		defer b.Close()
		b.Update(func(btx *bolt.Tx) error { return btx.Bucket(bucketMeta).Delete(metaSchema) })
	}},
	{"meta bucket missing", func(t *testing.T, path string) {
		b, _ := bolt.Open(path, 0o600, nil)
		defer b.Close()
		b.Update(func(btx *bolt.Tx) error { return btx.DeleteBucket(bucketMeta) })
	}},
	{"results bucket missing", func(t *testing.T, path string) {
		b, _ := bolt.Open(path, 0o600, nil)
		defer b.Close()
		b.Update(func(btx *bolt.Tx) error { return btx.DeleteBucket(bucketResults) })
	}},
	{"result gap", func(t *testing.T, path string) {
		b, _ := bolt.Open(path, 0o600, nil)
		defer b.Close()
		b.Update(func(btx *bolt.Tx) error { return btx.Bucket(bucketResults).Delete(seqKey(1)) })
	}},
	{"bad subject record", func(t *testing.T, path string) {
		b, _ := bolt.Open(path, 0o600, nil)
		defer b.Close()
		b.Update(func(btx *bolt.Tx) error { return btx.Bucket(bucketSubjects).Put([]byte("s1"), []byte{9, 1, 2}) })
	}},
	{"data page zeroed", func(t *testing.T, path string) {
		// Page 2 holds the first freelist or bucket page; zeroing it
		// breaks the tree below valid meta pages.
		f := openRW(t, path)
		defer f.Close()
		ps := int64(os.Getpagesize())
		fi, _ := f.Stat()
		for off := 2 * ps; off < fi.Size(); off += ps {
			f.WriteAt(make([]byte, ps), off)
		}
	}},
}

func openRW(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestOpenRefusesCorruptFile(t *testing.T) {
	for _, tc := range corruptions {
		t.Run(tc.name, func(t *testing.T) {
			path := newClosedStore(t, nil)
			tc.mod(t, path)
			before, _ := os.ReadFile(path)
			db, err := Open(path, nil)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded on a corrupt file")
			}
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open = %v, want ErrCorrupt naming %s", err, path)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("corrupt file was modified (re-initialised?)")
			}
		})
	}
}

func TestMigrateV1ToV2(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vouch.db")
	exp := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	v1, err := Open(path, &Options{schema: 1})
	if err != nil {
		t.Fatal(err)
	}
	// A schema-1 file has no expiry index; write subjects the way a
	// schema-1 build did.
	if err := v1.bolt.Update(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketExpiry) != nil {
			t.Error("schema-1 file already has the expiry index")
		}
		for _, s := range []Subject{{ID: "a", Expires: exp}, {ID: "b"}, {ID: "c", Expires: exp.Add(time.Hour)}} {
			v, err := marshal(subjectWire{ID: s.ID, Expires: unixNano(s.Expires)})
			if err != nil {
				return err
			}
			if err := btx.Bucket(bucketSubjects).Put([]byte(s.ID), v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	v1.Close()

	if _, err := Open(path, &Options{ReadOnly: true}); !errors.Is(err, ErrNeedsMigration) {
		t.Errorf("read-only Open of schema 1 = %v, want ErrNeedsMigration", err)
	}
	db := openAt(t, path, nil)
	mustView(t, db, func(tx *Tx) error {
		if v, _ := schemaVersion(tx.btx); v != 2 {
			t.Errorf("schema after migration = %d, want 2", v)
		}
		ids, err := tx.ExpiredSubjects(exp.Add(time.Minute))
		if err != nil || len(ids) != 1 || ids[0] != "a" {
			t.Errorf("ExpiredSubjects = %v, %v; want [a]", ids, err)
		}
		ids, _ = tx.ExpiredSubjects(exp.Add(2 * time.Hour))
		if len(ids) != 2 {
			t.Errorf("ExpiredSubjects later = %v, want [a c]", ids)
		}
		return nil
	})
}

func TestOpenLocked(t *testing.T) {
	db := openTest(t, nil)
	_, err := Open(db.Path(), &Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), db.Path()) {
		t.Errorf("second Open = %v, want ErrLocked naming the file", err)
	}
}

func TestOpenBadDirectory(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "file")
	os.WriteFile(file, nil, 0o600)
	for _, path := range []string{
		filepath.Join(base, "missing", "vouch.db"),
		filepath.Join(file, "vouch.db"),
	} {
		_, err := Open(path, nil)
		if err == nil || !strings.Contains(err.Error(), filepath.Dir(path)) {
			t.Errorf("Open(%s) = %v, want error naming the directory", path, err)
		}
	}
	if os.Geteuid() != 0 {
		locked := filepath.Join(base, "locked")
		os.Mkdir(locked, 0o000)
		defer os.Chmod(locked, 0o700)
		path := filepath.Join(locked, "vouch.db")
		if _, err := Open(path, nil); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("Open in unreadable dir = %v, want error naming %s", err, path)
		}
	}
}

func TestReadOnlyMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vouch.db")
	if _, err := Open(path, &Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("read-only Open of missing file = %v, want error naming it", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("read-only Open created the file")
	}
}

func TestReadOnly(t *testing.T) {
	path := newClosedStore(t, nil)
	db := openAt(t, path, &Options{ReadOnly: true})
	if err := db.Update(func(tx *Tx) error { return tx.AppendResult(3, rec(3)) }); err == nil {
		t.Error("Update on read-only store succeeded")
	}
	mustView(t, db, func(tx *Tx) error {
		if seq, _, _ := tx.LastResult(); seq != 2 {
			t.Errorf("LastResult = %d, want 2", seq)
		}
		return nil
	})
}
