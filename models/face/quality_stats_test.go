package face

import (
	"fmt"
	"path/filepath"
	"testing"
)

// TestQualityOnGoldens runs the default gates on every labelled image's
// reference detections and crop. Every single-face image must pass; the
// two group photos must be rejected for having more than one face.
func TestQualityOnGoldens(t *testing.T) {
	dir := goldenDir(t)
	cfg := DefaultQuality()
	cfg.MaxCentreOffset = 0 // photos are not framed by a kiosk
	for _, e := range loadPipeline(t) {
		var dets []Detection
		for _, g := range e.Detections["face_detection_short_range"] {
			d := Detection{Score: float32(g.Score), Box: Rect{g.Box[0], g.Box[1], g.Box[2], g.Box[3]}}
			for k, p := range g.Keypoints {
				d.Keypoints[k] = Point{p[0], p[1]}
			}
			dets = append(dets, d)
		}
		q := cfg.CheckGeometry(dets, e.ImageWH[0], e.ImageWH[1])
		if e.Crop != "" {
			img := readImage(t, filepath.Join(dir, e.Crop))
			crop := make([]byte, CropSize*CropSize*3)
			for i := range crop {
				crop[i] = refU8(img, CropSize, i)
			}
			if err := cfg.CheckCrop(&q, crop); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%-36s faces %d eye %6.1f yaw %6.1f pitch %6.1f roll %6.1f sharp %7.1f bright %5.1f %v",
			filepath.Base(e.File), q.Faces, dets[0].EyeDistance(), q.Pose.Yaw, q.Pose.Pitch, q.Pose.Roll, q.Crop.Sharpness, q.Crop.Brightness, q.Issues)
		if e.Identity == "_multi" {
			if qe, ok := q.Err().(*QualityError); !ok || !qe.Has(IssueMultipleFaces) {
				t.Errorf("%s: group photo not rejected for multiple faces: %v", e.File, q.Issues)
			}
		} else if !q.OK() {
			t.Errorf("%s: usable image rejected: %v", e.File, q.Issues)
		}
	}
}

func TestCropGates(t *testing.T) {
	flat := func(v byte) []byte {
		b := make([]byte, CropSize*CropSize*3)
		for i := range b {
			b[i] = v
		}
		return b
	}
	checker := flat(0)
	for i := range checker {
		if ((i/3)%CropSize+(i/3)/CropSize)%2 == 0 {
			checker[i] = 200
		}
	}
	blurred := make([]byte, len(checker))
	for i := range blurred {
		blurred[i] = 100 + byte(i/3%CropSize/8) // gentle gradient: no edges
	}
	for _, tt := range []struct {
		name string
		crop []byte
		want []Issue
	}{
		{"sharp mid-grey checker", checker, nil},
		{"flat grey", flat(128), []Issue{IssueBlurry}},
		{"smooth gradient", blurred, []Issue{IssueBlurry}},
		{"black", flat(5), []Issue{IssueBlurry, IssueTooDark}},
		{"white", flat(250), []Issue{IssueBlurry, IssueTooBright}},
	} {
		var q Quality
		if err := DefaultQuality().CheckCrop(&q, tt.crop); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(q.Issues) != fmt.Sprint(tt.want) {
			t.Errorf("%s: issues %v (stats %+v), want %v", tt.name, q.Issues, q.Crop, tt.want)
		}
	}
	if err := DefaultQuality().CheckCrop(&Quality{}, make([]byte, 7)); !isErr(err, ErrBadFrame) {
		t.Errorf("short crop: %v", err)
	}
}

func TestGeometryGates(t *testing.T) {
	face := func(cx, cy, eye float64) Detection {
		var d Detection
		d.Score = 0.9
		d.Box = Rect{cx - eye, cy - eye, cx + eye, cy + eye}
		d.Keypoints[RightEye] = Point{cx - eye/2, cy - eye/4}
		d.Keypoints[LeftEye] = Point{cx + eye/2, cy - eye/4}
		d.Keypoints[NoseTip] = Point{cx, cy + eye*0.15}
		d.Keypoints[Mouth] = Point{cx, cy + eye*0.55}
		d.Keypoints[RightEar] = Point{cx - eye, cy}
		d.Keypoints[LeftEar] = Point{cx + eye, cy}
		return d
	}
	turned := face(320, 240, 60)
	turned.Keypoints[NoseTip].X += 45
	for _, tt := range []struct {
		name string
		dets []Detection
		want []Issue
	}{
		{"centred", []Detection{face(320, 240, 60)}, nil},
		{"none", nil, []Issue{IssueNoFace}},
		{"far", []Detection{face(320, 240, 10)}, []Issue{IssueTooSmall}},
		{"two", []Detection{face(320, 240, 60), face(200, 240, 50)}, []Issue{IssueMultipleFaces}},
		{"two, one tiny in the background", []Detection{face(320, 240, 60), face(100, 100, 12)}, nil},
		{"corner", []Detection{face(20, 20, 40)}, []Issue{IssueOffCentre, IssuePartlyOutside}[1:2]},
		{"turned", []Detection{turned}, []Issue{IssueYaw}},
	} {
		cfg := DefaultQuality()
		if tt.name == "corner" {
			cfg.MaxCentreOffset = 0
		}
		q := cfg.CheckGeometry(tt.dets, 640, 480)
		if fmt.Sprint(q.Issues) != fmt.Sprint(tt.want) {
			t.Errorf("%s: issues %v (pose %+v), want %v", tt.name, q.Issues, q.Pose, tt.want)
		}
	}
	if err := (QualityConfig{MinBrightness: 200, MaxBrightness: 100}).Validate(); !isErr(err, ErrBadConfig) {
		t.Errorf("inverted brightness range accepted: %v", err)
	}
}
