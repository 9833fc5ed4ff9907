package seal

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/atomicfile"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// KeyBackend stores named secrets. Implementations must make Put atomic and
// must refuse to overwrite an existing secret with ErrKeyExists; Get returns
// an error wrapping ErrNoKey when the secret is absent.
type KeyBackend interface {
	// Get returns a copy of the named secret.
	Get(name string) ([]byte, error)
	// Put stores secret under name; it fails with ErrKeyExists if the name
	// is taken.
	Put(name string, secret []byte) error
}

// MaxSecret is the largest secret a FileBackend stores.
const MaxSecret = 1024

// Key file layout (version 1):
//
//	magic "VKEY" | version 0x01 | length uint16 BE | secret | SHA-256(previous bytes)[:8]
const (
	keyMagic    = "VKEY"
	keyVersion  = 1
	keyHeader   = len(keyMagic) + 1 + 2
	keyChecksum = 8
	tmpPrefix   = ".tmp-"
)

// FileBackend keeps each secret in its own file inside a directory that only
// the owner may access. It is safe for concurrent use; concurrent Puts of the
// same name leave exactly one winner.
type FileBackend struct {
	dir string
}

var _ KeyBackend = (*FileBackend)(nil)

// NewFileBackend returns a backend storing secrets in dir, creating it with
// mode 0700 if needed. An existing dir that group or others can access is
// refused with ErrInsecure.
func NewFileBackend(dir string) (*FileBackend, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("seal: key directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("seal: key directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrInsecure, dir)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: directory %s has mode %v, want 0700", ErrInsecure, dir, fi.Mode().Perm())
	}
	// Fail now, naming the directory, if this process may not use it.
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("seal: key directory: %w", err)
	}
	d.Close()
	removeStaleTemps(dir)
	return &FileBackend{dir: dir}, nil
}

// staleAge is how old a temporary key file must be before NewFileBackend
// treats it as left over from a crash, not as a Put in progress.
const staleAge = time.Minute

// removeStaleTemps deletes temporary files a crash during Put left behind:
// they may hold a copy of a secret that was never installed.
func removeStaleTemps(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Dir returns the directory holding the key files.
func (b *FileBackend) Dir() string { return b.dir }

// Path returns the file that holds (or would hold) the named secret.
func (b *FileBackend) Path(name string) string { return filepath.Join(b.dir, name) }

// Where implements the optional locator used in error messages.
func (b *FileBackend) Where(name string) string { return b.Path(name) }

func checkName(name string) error {
	if name == "" || len(name) > 64 || name[0] == '.' {
		return fmt.Errorf("%w: %q", ErrKeyName, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: %q", ErrKeyName, name)
		}
	}
	return nil
}

// Get reads and validates the named secret.
func (b *FileBackend) Get(name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	path := b.Path(name)
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s", ErrNoKey, path)
		}
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%w: %s is a symbolic link", ErrInsecure, path)
		}
		return nil, fmt.Errorf("seal: read key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("seal: read key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s is not a regular file", ErrInsecure, path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v, want 0600", ErrInsecure, path, fi.Mode().Perm())
	}
	raw, err := io.ReadAll(io.LimitReader(f, int64(keyHeader+MaxSecret+keyChecksum+1)))
	if err != nil {
		return nil, fmt.Errorf("seal: read key %s: %w", path, err)
	}
	secret, err := decodeKeyFile(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorruptKey, path, err)
	}
	return secret, nil
}

// decodeKeyFile validates a key file image and returns a copy of its secret.
func decodeKeyFile(raw []byte) ([]byte, error) {
	if len(raw) < keyHeader+keyChecksum {
		return nil, fmt.Errorf("%d bytes is shorter than the %d-byte minimum", len(raw), keyHeader+keyChecksum)
	}
	if string(raw[:len(keyMagic)]) != keyMagic {
		return nil, errors.New("bad magic")
	}
	if v := raw[len(keyMagic)]; v != keyVersion {
		return nil, fmt.Errorf("unsupported format version %d", v)
	}
	n := int(binary.BigEndian.Uint16(raw[len(keyMagic)+1:]))
	if n == 0 || n > MaxSecret {
		return nil, fmt.Errorf("secret length %d out of range 1..%d", n, MaxSecret)
	}
	if len(raw) != keyHeader+n+keyChecksum {
		return nil, fmt.Errorf("file is %d bytes, header says %d", len(raw), keyHeader+n+keyChecksum)
	}
	sum := sha256.Sum256(raw[:keyHeader+n])
	if !bytes.Equal(sum[:keyChecksum], raw[keyHeader+n:]) {
		return nil, errors.New("checksum mismatch")
	}
	return bytes.Clone(raw[keyHeader : keyHeader+n]), nil
}

func encodeKeyFile(secret []byte) []byte {
	out := make([]byte, 0, keyHeader+len(secret)+keyChecksum)
	out = append(out, keyMagic...)
	out = append(out, keyVersion)
	out = binary.BigEndian.AppendUint16(out, uint16(len(secret)))
	out = append(out, secret...)
	sum := sha256.Sum256(out)
	return append(out, sum[:keyChecksum]...)
}

// Put stores secret under name. The file is written to a temporary name,
// fsynced, then hard-linked into place (which fails atomically if the name
// exists) and the directory is fsynced, so a crash leaves either no key or
// the complete key.
func (b *FileBackend) Put(name string, secret []byte) (err error) {
	if err := checkName(name); err != nil {
		return err
	}
	if len(secret) == 0 || len(secret) > MaxSecret {
		return fmt.Errorf("%w: %d bytes, want 1..%d", ErrKeySize, len(secret), MaxSecret)
	}
	path := b.Path(name)
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: %s", ErrKeyExists, path)
	}
	img := encodeKeyFile(secret)
	defer clear(img)
	f, err := os.CreateTemp(b.dir, tmpPrefix+name+"-")
	if err != nil {
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		os.Remove(tmp)
	}()
	// CreateTemp uses 0600 already; make it explicit against odd umasks.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	if _, err := f.Write(img); err != nil {
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		f = nil
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	f = nil
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s", ErrKeyExists, path)
		}
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	if err := atomicfile.SyncDir(b.dir); err != nil {
		return fmt.Errorf("seal: write key %s: %w", path, err)
	}
	return nil
}

// Delete removes the named secret and fsyncs the directory. Deleting an
// absent secret returns an error wrapping ErrNoKey.
func (b *FileBackend) Delete(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	path := b.Path(name)
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s", ErrNoKey, path)
		}
		return fmt.Errorf("seal: delete key: %w", err)
	}
	if err := atomicfile.SyncDir(b.dir); err != nil {
		return fmt.Errorf("seal: delete key %s: %w", path, err)
	}
	return nil
}
