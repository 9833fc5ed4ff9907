package face

import (
	"encoding/binary"
	"encoding/json"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/vouchkiosk/vouch/internal/testenv"
)

// goldenDet is one detection as stored in golden.json and pipeline.json.
type goldenDet struct {
	Score     float64      `json:"score"`
	Box       [4]float64   `json:"box_xyxy"`
	Keypoints [][2]float64 `json:"keypoints"`
	Merged    int          `json:"merged"`
}

type goldenCase struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Model  string `json:"model"`
	Source string `json:"source_image"`
	Input  struct {
		File  string `json:"file"`
		Shape []int  `json:"shape"`
		PNG   string `json:"png"`
	} `json:"input"`
	Outputs []struct {
		Name  string `json:"name"`
		File  string `json:"file"`
		Shape []int  `json:"shape"`
	} `json:"outputs"`
	Letterbox *struct {
		Target     int `json:"target"`
		SrcW       int `json:"src_w"`
		SrcH       int `json:"src_h"`
		ContentW   int `json:"content_w"`
		ContentH   int `json:"content_h"`
		PadX       int `json:"pad_x"`
		PadY       int `json:"pad_y"`
		PrefilterK int `json:"prefilter_k"`
	} `json:"letterbox"`
	Detections []goldenDet `json:"detections"`
}

type pipelineEntry struct {
	File       string                 `json:"file"`
	Identity   string                 `json:"identity"`
	ImageWH    [2]int                 `json:"image_wh"`
	Detections map[string][]goldenDet `json:"detections"`
	Crop       string                 `json:"crop"`
	Alignment  *struct {
		Detector      string        `json:"detector"`
		EyesImg       [2][2]float64 `json:"eyes_img"`
		CropFromImage [2][3]float64 `json:"crop_from_image"`
		ImageFromCrop [2][3]float64 `json:"image_from_crop"`
		PrefilterK    int           `json:"prefilter_k"`
	} `json:"alignment"`
	Embedding []float32 `json:"embedding"`
}

func goldenDir(t testing.TB) string { return testenv.Shared(t, "testdata", "golden") }

func loadGoldenCases(t testing.TB) []goldenCase {
	t.Helper()
	var g struct {
		Cases []goldenCase `json:"cases"`
	}
	readJSON(t, filepath.Join(goldenDir(t), "golden.json"), &g)
	return g.Cases
}

func loadPipeline(t testing.TB) []pipelineEntry {
	t.Helper()
	var p []pipelineEntry
	readJSON(t, filepath.Join(goldenDir(t), "pipeline.json"), &p)
	return p
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readF32(t testing.TB, path string) []float32 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b)%4 != 0 {
		t.Fatalf("%s: %d bytes is not a float32 array", path, len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func readImage(t testing.TB, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func readFrame(t testing.TB, path string) Frame {
	t.Helper()
	f, err := FrameFromImage(readImage(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

func specFor(t testing.TB, model string) DetectorSpec {
	t.Helper()
	switch model {
	case "face_detection_short_range":
		return ShortRange()
	case "face_detection_full_range":
		return FullRange()
	}
	t.Fatalf("unknown detector %q", model)
	return DetectorSpec{}
}

// detAgreement returns the box IoU and the largest keypoint distance in
// model-input pixels (frame distance × scale) between got and want.
func detAgreement(got Detection, want goldenDet, scale float64) (iou, kpErr float64) {
	iou = IoU(got.Box, Rect{want.Box[0], want.Box[1], want.Box[2], want.Box[3]})
	for k, p := range want.Keypoints {
		kpErr = max(kpErr, math.Hypot(got.Keypoints[k].X-p[0], got.Keypoints[k].Y-p[1])*scale)
	}
	return iou, kpErr
}

// sampled reports whether image i of the pipeline list is tested by the
// model tests: all of them normally, every sixth under -short, only the
// first under the race detector (plus the group photos in both cases).
func sampled(i int, e pipelineEntry) bool {
	switch {
	case raceEnabled:
		return i == 0 || e.Identity == "_multi"
	case testing.Short():
		return i%6 == 0 || e.Identity == "_multi"
	}
	return true
}
