package facedata

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // decoders for labelled sets
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vouchkiosk/vouch/models/face"
)

// Limits on untrusted input.
const (
	MaxIndexBytes = 1 << 20  // identities.csv
	MaxImageBytes = 64 << 20 // one image file
	MaxEntries    = 100_000
)

// ErrBadIndex is returned for a malformed identities.csv.
var ErrBadIndex = errors.New("facedata: bad identities.csv")

// Entry is one labelled image. An identity starting with "_" marks a
// control image (e.g. "_multi", a group photo) that must not yield a
// template and takes no part in pairs.
type Entry struct {
	File, Identity string
}

// Control reports whether e is a control image.
func (e Entry) Control() bool { return strings.HasPrefix(e.Identity, "_") }

// ParseIdentities reads "file,identity[,…]" rows with a header row whose
// first two columns are file and identity. File names must be plain names
// inside the folder (no separators, no "..").
func ParseIdentities(r io.Reader) ([]Entry, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxIndexBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadIndex, err)
	}
	if len(b) > MaxIndexBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrBadIndex, MaxIndexBytes)
	}
	cr := csv.NewReader(strings.NewReader(string(b)))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadIndex, err)
	}
	if len(rows) == 0 || len(rows[0]) < 2 || strings.TrimSpace(rows[0][0]) != "file" || strings.TrimSpace(rows[0][1]) != "identity" {
		return nil, fmt.Errorf("%w: header must start with file,identity", ErrBadIndex)
	}
	if len(rows)-1 > MaxEntries {
		return nil, fmt.Errorf("%w: %d rows exceeds %d", ErrBadIndex, len(rows)-1, MaxEntries)
	}
	seen := map[string]bool{}
	var out []Entry
	for i, row := range rows[1:] {
		if len(row) < 2 {
			return nil, fmt.Errorf("%w: line %d has %d fields", ErrBadIndex, i+2, len(row))
		}
		e := Entry{File: strings.TrimSpace(row[0]), Identity: strings.TrimSpace(row[1])}
		switch {
		case e.File == "" || e.Identity == "":
			return nil, fmt.Errorf("%w: line %d: empty file or identity", ErrBadIndex, i+2)
		case e.File != filepath.Base(e.File) || e.File == "." || e.File == ".." || strings.ContainsAny(e.File, `/\`):
			return nil, fmt.Errorf("%w: line %d: file %q is not a plain name", ErrBadIndex, i+2, e.File)
		case seen[e.File]:
			return nil, fmt.Errorf("%w: line %d: %q listed twice", ErrBadIndex, i+2, e.File)
		}
		seen[e.File] = true
		out = append(out, e)
	}
	return out, nil
}

// Processor is the part of face.Pipeline that Run needs.
type Processor interface {
	Process(ctx context.Context, f face.Frame) (face.Result, error)
}

var _ Processor = (*face.Pipeline)(nil)

// Outcome is what the pipeline made of one entry: a template, or the reason
// there is none.
type Outcome struct {
	Entry
	Template []float32
	Reason   error
}

// Run decodes each image of dir listed in entries and processes it. A
// per-image failure is recorded in its Outcome; only cancellation stops
// the run. progress, if not nil, is called after each image.
func Run(ctx context.Context, p Processor, dir string, entries []Entry, progress func(done, total int)) ([]Outcome, error) {
	out := make([]Outcome, len(entries))
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out[i].Entry = e
		f, err := loadFrame(filepath.Join(dir, e.File))
		if err == nil {
			var res face.Result
			res, err = p.Process(ctx, f)
			out[i].Template = res.Template
			clear(f.Pix)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			out[i].Template, out[i].Reason = nil, err
		}
		if progress != nil {
			progress(i+1, len(entries))
		}
	}
	return out, nil
}

func loadFrame(path string) (face.Frame, error) {
	fh, err := os.Open(path)
	if err != nil {
		return face.Frame{}, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return face.Frame{}, err
	}
	if st.Size() > MaxImageBytes {
		return face.Frame{}, fmt.Errorf("facedata: %s: %d bytes exceeds %d", filepath.Base(path), st.Size(), MaxImageBytes)
	}
	cfg, _, err := image.DecodeConfig(io.LimitReader(fh, MaxImageBytes))
	if err != nil {
		return face.Frame{}, fmt.Errorf("facedata: %s: %w", filepath.Base(path), err)
	}
	if cfg.Width > face.MaxFrameSide || cfg.Height > face.MaxFrameSide {
		return face.Frame{}, fmt.Errorf("%w: %s is %dx%d", face.ErrBadFrame, filepath.Base(path), cfg.Width, cfg.Height)
	}
	if _, err := fh.Seek(0, io.SeekStart); err != nil {
		return face.Frame{}, err
	}
	img, _, err := image.Decode(io.LimitReader(fh, MaxImageBytes))
	if err != nil {
		return face.Frame{}, fmt.Errorf("facedata: %s: %w", filepath.Base(path), err)
	}
	return face.FrameFromImage(img)
}
