package facedata

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/models/face"
)

func TestParseIdentities(t *testing.T) {
	good := "file,identity,source\na.jpg,p1,x\nb.png,p1\nc.jpg,_multi,y\n"
	es, err := ParseIdentities(strings.NewReader(good))
	if err != nil || len(es) != 3 || es[1] != (Entry{"b.png", "p1"}) || !es[2].Control() || es[0].Control() {
		t.Fatalf("%+v %v", es, err)
	}
	for _, bad := range []string{
		"", "name,id\na,b\n", "file,identity\na.jpg\n", "file,identity\n../x.jpg,p\n",
		"file,identity\nsub/x.jpg,p\n", "file,identity\na.jpg,p\na.jpg,q\n", "file,identity\n,p\n",
		"file,identity\n\"unterminated,p\n", strings.Repeat("x", MaxIndexBytes+1),
	} {
		if _, err := ParseIdentities(strings.NewReader(bad)); !errors.Is(err, ErrBadIndex) {
			t.Errorf("%.40q: %v, want ErrBadIndex", bad, err)
		}
	}
}

func FuzzParseIdentities(f *testing.F) {
	f.Add("file,identity,source,license\ndeepface_img1.jpg,df01,github.com/x,MIT\n")
	f.Add("file,identity\na,b\n")
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "shared", "testdata", "faces", "identities.csv")); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		es, err := ParseIdentities(strings.NewReader(s))
		if err != nil {
			if !errors.Is(err, ErrBadIndex) {
				t.Fatalf("error %v is not ErrBadIndex", err)
			}
			return
		}
		for _, e := range es {
			if e.File == "" || e.Identity == "" || e.File != filepath.Base(e.File) || strings.ContainsAny(e.File, `/\`) {
				t.Fatalf("accepted entry %+v", e)
			}
		}
	})
}

// fakeProcessor returns a fixed template for every frame wider than 2
// pixels and "no face" otherwise.
type fakeProcessor struct{ calls int }

func (p *fakeProcessor) Process(ctx context.Context, f face.Frame) (face.Result, error) {
	p.calls++
	if f.W <= 2 {
		return face.Result{}, face.ErrNoFace
	}
	return face.Result{Template: []float32{1, 0}}, nil
}

func TestRun(t *testing.T) {
	dir := testenv.Shared(t, "testdata", "faces")
	entries := []Entry{{"faceapi_amy1.png", "amy"}, {"missing.png", "x"}, {"LICENSES.md", "y"}}
	var p fakeProcessor
	var last int
	out, err := Run(context.Background(), &p, dir, entries, func(done, total int) { last = done })
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Template == nil || out[0].Reason != nil || out[1].Reason == nil || out[2].Reason == nil || last != 3 || p.calls != 1 {
		t.Errorf("outcomes %+v, progress %d, calls %d", out, last, p.calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, &p, dir, entries, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}
