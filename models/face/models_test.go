package face

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/internal/testenv"
	"github.com/vouchkiosk/vouch/models/assets"
	"github.com/vouchkiosk/vouch/models/tflite"
)

// loadModel loads a model fetched by `make models`, skipping (failing
// under CI) when it is absent.
func loadModel(t testing.TB, id string) *tflite.Model {
	t.Helper()
	p := assets.Path(testenv.RepoRoot(t), id)
	b, err := os.ReadFile(p)
	if err != nil {
		testenv.Missing(t, "model %s not found (%v); run `make models`", id, err)
	}
	m, err := tflite.Load(b)
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return m
}

func newTestPipeline(t testing.TB, q *QualityConfig) *Pipeline {
	t.Helper()
	short, err := NewDetector(loadModel(t, assets.FaceDetectionShortRange), ShortRange())
	if err != nil {
		t.Fatal(err)
	}
	full, err := NewDetector(loadModel(t, "face_detection_full_range"), FullRange())
	if err != nil {
		t.Fatal(err)
	}
	emb, err := NewEmbedder(loadModel(t, "mobilefacenet"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := NewPipeline(short, full, emb, &PipelineOptions{Quality: q})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDetectorOnImages runs both detectors on every image of faces/
// (decoded by Go's decoders, letterboxed by this package) and compares with
// the reference detections: box IoU ≥ 0.9 and keypoints within 2 px at
// model resolution.
func TestDetectorOnImages(t *testing.T) {
	dir := goldenDir(t)
	ctx := context.Background()
	for _, spec := range []DetectorSpec{ShortRange(), FullRange()} {
		det, err := NewDetector(loadModel(t, spec.Name), spec)
		if err != nil {
			t.Fatal(err)
		}
		worstIoU, worstKP, n := 1.0, 0.0, 0
		for i, e := range loadPipeline(t) {
			if !sampled(i, e) {
				continue
			}
			want := e.Detections[spec.Name]
			f := readFrame(t, filepath.Join(dir, "..", e.File))
			got, lb, err := det.Detect(ctx, f)
			if err != nil {
				t.Fatalf("%s: %v", e.File, err)
			}
			if len(got) != len(want) {
				t.Errorf("%s %s: %d faces, want %d", spec.Name, e.File, len(got), len(want))
				continue
			}
			for i := range want {
				iou, kp := detAgreement(got[i], want[i], lb.Scale())
				worstIoU, worstKP = min(worstIoU, iou), max(worstKP, kp)
				n++
				if iou < 0.9 || kp > 2 {
					t.Errorf("%s %s face %d: IoU %.3f, keypoints off by %.2f model px", spec.Name, e.File, i, iou, kp)
				}
			}
		}
		t.Logf("%s: %d faces on %d images: worst IoU %.4f, worst keypoint error %.3f model px", spec.Name, n, len(loadPipeline(t)), worstIoU, worstKP)
	}
}

// TestEmbedderGoldens embeds the reference crops one at a time (batch 1)
// and compares with the reference runtime's batch-2 embeddings.
func TestEmbedderGoldens(t *testing.T) {
	emb, err := NewEmbedder(loadModel(t, "mobilefacenet"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("embedder runs with batch %d, dim %d", emb.Batch(), emb.Dim())
	dir := goldenDir(t)
	worst := 1.0
	for i, e := range loadPipeline(t) {
		if e.Crop == "" || !sampled(i, e) {
			continue
		}
		img := readImage(t, filepath.Join(dir, e.Crop))
		crop := make([]byte, CropSize*CropSize*3)
		for i := range crop {
			crop[i] = refU8(img, CropSize, i)
		}
		got, err := emb.Embed(context.Background(), crop, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := cosine64(got, e.Embedding)
		worst = min(worst, c)
		if c < 0.99999 {
			t.Errorf("%s: cosine %.7f with the reference embedding", e.File, c)
		}
	}
	t.Logf("worst cosine vs reference: %.7f", worst)
}

func cosine64(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

// TestPipelineAllImages: every image of faces/ gets a template or a stated
// reason, and templates agree with the reference embeddings.
func TestPipelineAllImages(t *testing.T) {
	q := DefaultQuality()
	q.MaxCentreOffset = 0 // photos, not kiosk frames
	p := newTestPipeline(t, &q)
	dir := goldenDir(t)
	worst := 1.0
	for i, e := range loadPipeline(t) {
		if !sampled(i, e) {
			continue
		}
		f := readFrame(t, filepath.Join(dir, "..", e.File))
		res, err := p.Process(context.Background(), f)
		switch {
		case err == nil:
			if len(e.Embedding) == 0 {
				t.Errorf("%s: template for an image the reference did not embed", e.File)
				continue
			}
			c := cosine64(res.Template, e.Embedding)
			worst = min(worst, c)
			if c < 0.99 {
				t.Errorf("%s: template cosine %.4f with the reference", e.File, c)
			}
		default:
			var qe *QualityError
			if !errors.As(err, &qe) {
				t.Errorf("%s: %v", e.File, err)
				continue
			}
			t.Logf("%s: no template: %v", filepath.Base(e.File), err)
			if len(e.Embedding) > 0 {
				t.Errorf("%s: rejected (%v) but the reference embedded it", e.File, err)
			}
		}
	}
	t.Logf("worst template cosine vs reference: %.5f", worst)
}

func TestPipelineBadInput(t *testing.T) {
	p := newTestPipeline(t, nil)
	ctx := context.Background()
	black := Frame{W: 640, H: 480, Stride: 1920, Pix: make([]byte, 1920*480)}
	for _, tt := range []struct {
		name string
		f    Frame
		want error
	}{
		{"empty", Frame{}, ErrBadFrame},
		{"short pix", Frame{W: 640, H: 480, Stride: 1920, Pix: make([]byte, 100)}, ErrBadFrame},
		{"black", black, ErrNoFace},
		{"1x1", Frame{W: 1, H: 1, Stride: 3, Pix: []byte{1, 2, 3}}, ErrNoFace},
		{"1x480", Frame{W: 1, H: 480, Stride: 3, Pix: make([]byte, 3*480)}, ErrNoFace},
	} {
		_, err := p.Process(ctx, tt.f)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	// A face cut by the frame border: the right half of a portrait.
	f := readFrame(t, filepath.Join(goldenDir(t), "..", "faces", "deepface_img1.jpg"))
	half := Frame{W: f.W / 2, H: f.H, Stride: f.Stride, Pix: f.Pix[3*(f.W/2):]}
	if _, err := p.Process(ctx, half); err == nil {
		t.Errorf("half a face accepted")
	} else {
		t.Logf("half face: %v", err)
	}
	// Wrong models for each role.
	if _, err := NewDetector(loadModel(t, "mobilefacenet"), ShortRange()); !errors.Is(err, ErrModelShape) {
		t.Errorf("embedder as detector: %v", err)
	}
	if _, err := NewDetector(loadModel(t, "face_detection_full_range"), ShortRange()); !errors.Is(err, ErrModelShape) {
		t.Errorf("full-range as short-range: %v", err)
	}
	if _, err := NewEmbedder(loadModel(t, "face_detection_short_range")); !errors.Is(err, ErrModelShape) {
		t.Errorf("detector as embedder: %v", err)
	}
}

// kioskFrame scales a portrait into a 640×480 RGB frame (centred, black
// borders), like a kiosk camera at arm's length.
func kioskFrame(t testing.TB) Frame {
	src := readFrame(t, filepath.Join(goldenDir(t), "..", "faces", "deepface_img1.jpg"))
	lb, _ := NewLetterbox(src.W, src.H, 480)
	var l letterboxer
	tmp := make([]float32, 480*480*3)
	if err := l.render(src, lb, tmp); err != nil {
		t.Fatal(err)
	}
	f := Frame{W: 640, H: 480, Stride: 1920, Pix: make([]byte, 1920*480)}
	for y := range 480 {
		copy(f.Pix[y*1920+3*80:], l.u8[y*480*3:(y+1)*480*3])
	}
	return f
}

// BenchmarkFrameToTemplate measures 640×480 frame → template, single
// thread, and reports median and p95; the reference in the same run is the
// embedder's batch-2 fallback (the file's fixed batch, face duplicated).
func BenchmarkFrameToTemplate(b *testing.B) {
	f := kioskFrame(b)
	ctx := context.Background()
	run := func(b *testing.B, p *Pipeline) {
		if _, err := p.Process(ctx, f); err != nil {
			b.Fatal(err)
		}
		var d []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := p.Process(ctx, f); err != nil {
				b.Fatal(err)
			}
			d = append(d, time.Since(t0))
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "median-ms")
		b.ReportMetric(float64(d[min(len(d)-1, len(d)*95/100)].Microseconds())/1000, "p95-ms")
	}
	b.Run("batch1", func(b *testing.B) { run(b, newTestPipeline(b, nil)) })
	b.Run("batch2-fallback", func(b *testing.B) {
		p := newTestPipeline(b, nil)
		ip, err := tflite.NewInterpreter(loadModel(b, "mobilefacenet"), nil)
		if err != nil {
			b.Fatal(err)
		}
		p.emb = &Embedder{ip: ip, in: ip.Input(0), out: ip.Output(0), batch: 2, dim: 192}
		run(b, p)
	})
}
