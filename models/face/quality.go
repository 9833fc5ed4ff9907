package face

import (
	"fmt"
	"math"
	"strings"
)

// Issue is one reason a face is not good enough. The zero value is not an
// issue; String gives a short code, Message a prompt a kiosk UI can show.
type Issue uint8

// Quality issues.
const (
	_ Issue = iota
	IssueNoFace
	IssueMultipleFaces
	IssueTooSmall
	IssueOffCentre
	IssuePartlyOutside
	IssueYaw
	IssuePitch
	IssueRoll
	IssueBlurry
	IssueTooDark
	IssueTooBright
	numIssues
)

// issueText returns the code and the prompt of an issue.
func issueText(i Issue) (code, msg string) {
	t := [numIssues][2]string{
		{"ok", ""},
		{"no_face", "No face found. Please look at the camera."},
		{"multiple_faces", "More than one face. Please step up alone."},
		{"too_small", "Please come closer."},
		{"off_centre", "Please move to the centre of the screen."},
		{"partly_outside", "Your face is cut off. Please move into the frame."},
		{"yaw", "Please face the camera straight on."},
		{"pitch", "Please keep your head level."},
		{"roll", "Please hold your head upright."},
		{"blurry", "Image is blurred. Please hold still."},
		{"too_dark", "Too dark. Please face the light."},
		{"too_bright", "Too bright. Please step out of direct light."},
	}
	if i < numIssues {
		return t[i][0], t[i][1]
	}
	return fmt.Sprintf("issue(%d)", uint8(i)), ""
}

// String is a stable machine-readable code, e.g. "too_small".
func (i Issue) String() string {
	code, _ := issueText(i)
	return code
}

// Message is a short prompt for the person in front of the kiosk.
func (i Issue) Message() string {
	_, msg := issueText(i)
	return msg
}

// QualityConfig holds the gates. A zero threshold disables its gate, so a
// zero QualityConfig accepts any single face.
type QualityConfig struct {
	MinEyeDistance  float64 // frame pixels between the eyes (too far away below this)
	MaxCentreOffset float64 // |box centre − frame centre| / half frame size, per axis
	MaxOutside      float64 // fraction of the box area allowed outside the frame
	MaxYaw          float64 // degrees, estimated from nose and ears
	MaxPitch        float64 // degrees, estimated from eyes, nose and mouth
	MaxRoll         float64 // degrees, angle of the eye line
	MinSharpness    float64 // variance of the Laplacian of the crop's luma
	MinBrightness   float64 // mean luma (0..255) of the central crop
	MaxBrightness   float64 // mean luma (0..255) of the central crop
	// SecondFaceRatio: another face counts as a second person when its eye
	// distance is at least this fraction of the best face's (0 = any face).
	SecondFaceRatio float64
	// AllowMultiple turns the more-than-one-face gate off.
	AllowMultiple bool
}

// DefaultQuality returns gates for a kiosk camera at 640×480 with the
// person about 0.5–1.5 m away. The pose, sharpness and exposure limits were
// chosen so that every usable image of the shared test set passes with a
// margin (there: |yaw| ≤ 34°, |pitch| ≤ 17°, |roll| ≤ 17°, sharpness ≥ 230,
// brightness 81–193) while a clearly turned, blurred or badly lit face does
// not; revisit them with captures from the deployed camera.
func DefaultQuality() QualityConfig {
	return QualityConfig{
		MinEyeDistance:  24,
		MaxCentreOffset: 0.6,
		MaxOutside:      0.15,
		MaxYaw:          40,
		MaxPitch:        25,
		MaxRoll:         25,
		MinSharpness:    60,
		MinBrightness:   40,
		MaxBrightness:   220,
		SecondFaceRatio: 0.5,
	}
}

// Validate reports ErrBadConfig for negative or inconsistent thresholds.
func (c QualityConfig) Validate() error {
	for _, v := range []float64{c.MinEyeDistance, c.MaxCentreOffset, c.MaxOutside, c.MaxYaw, c.MaxPitch, c.MaxRoll, c.MinSharpness, c.MinBrightness, c.MaxBrightness, c.SecondFaceRatio} {
		if !(v >= 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: quality threshold %v", ErrBadConfig, v)
		}
	}
	if c.MaxBrightness > 0 && c.MinBrightness > c.MaxBrightness {
		return fmt.Errorf("%w: brightness range [%v, %v]", ErrBadConfig, c.MinBrightness, c.MaxBrightness)
	}
	return nil
}

// Pose is the head pose estimated from the six keypoints, in degrees.
// The estimate is geometric (no 3-D model): good for gating, not for
// measurement.
type Pose struct{ Yaw, Pitch, Roll float64 }

// EstimatePose estimates yaw from where the nose sits between the ears,
// pitch from where it sits between the eye line and the mouth, and roll from
// the eye line, all in the face's own (de-rolled) frame.
func EstimatePose(d Detection) Pose {
	kp := d.Keypoints
	le, re := kp[RightEye], kp[LeftEye] // image-left, image-right in a frontal photo
	roll := math.Atan2(re.Y-le.Y, re.X-le.X)
	c, s := math.Cos(-roll), math.Sin(-roll)
	rot := func(p Point) Point { return Point{c*p.X - s*p.Y, s*p.X + c*p.Y} }
	nose, mouth := rot(kp[NoseTip]), rot(kp[Mouth])
	earL, earR := rot(kp[RightEar]), rot(kp[LeftEar])
	eyeY := (rot(le).Y + rot(re).Y) / 2
	var p Pose
	p.Roll = roll * 180 / math.Pi
	if span := earR.X - earL.X; span > 0 {
		r := ((nose.X - earL.X) - (earR.X - nose.X)) / span
		p.Yaw = math.Asin(clampUnit(r)) * 180 / math.Pi
	}
	if h := mouth.Y - eyeY; h > 0 {
		// The template puts the nose tip at 0.495 of the eye–mouth height.
		r := ((nose.Y-eyeY)/h - 0.495) / 0.5
		p.Pitch = math.Asin(clampUnit(r)) * 180 / math.Pi
	}
	return p
}

func clampUnit(v float64) float64 { return min(max(v, -1), 1) }

// CropStats are image statistics of an aligned crop's central region (the
// face, without the template's background corners).
type CropStats struct {
	Sharpness  float64 // variance of the 4-neighbour Laplacian of luma
	Brightness float64 // mean luma, 0..255
}

// Central region of the 112×112 crop used for statistics: from above the
// brows to below the mouth, inside the cheeks.
const (
	statX0, statX1 = 28, 84
	statY0, statY1 = 30, 100
)

// MeasureCrop computes CropStats of a CropSize×CropSize RGB crop.
func MeasureCrop(crop []byte) (CropStats, error) {
	if len(crop) != CropSize*CropSize*3 {
		return CropStats{}, fmt.Errorf("%w: crop has %d bytes, want %d", ErrBadFrame, len(crop), CropSize*CropSize*3)
	}
	luma := func(x, y int) float64 {
		o := (y*CropSize + x) * 3
		return 0.299*float64(crop[o]) + 0.587*float64(crop[o+1]) + 0.114*float64(crop[o+2])
	}
	var sum, lsum, lsq float64
	n := 0
	for y := statY0; y < statY1; y++ {
		for x := statX0; x < statX1; x++ {
			v := luma(x, y)
			sum += v
			l := luma(x-1, y) + luma(x+1, y) + luma(x, y-1) + luma(x, y+1) - 4*v
			lsum += l
			lsq += l * l
			n++
		}
	}
	m := lsum / float64(n)
	return CropStats{Sharpness: lsq/float64(n) - m*m, Brightness: sum / float64(n)}, nil
}

// Quality is the verdict on one face.
type Quality struct {
	Issues []Issue // empty when the face passed every gate
	Pose   Pose
	Crop   CropStats
	Faces  int // faces counted towards the more-than-one-face gate
}

// OK reports whether no gate failed.
func (q Quality) OK() bool { return len(q.Issues) == 0 }

// Err returns nil for an OK face, otherwise an error listing the issues.
func (q Quality) Err() error {
	if q.OK() {
		return nil
	}
	codes := make([]string, len(q.Issues))
	for i, is := range q.Issues {
		codes[i] = is.String()
	}
	return &QualityError{Issues: q.Issues, text: strings.Join(codes, ",")}
}

// QualityError is returned by Pipeline when a face fails a gate.
type QualityError struct {
	Issues []Issue
	text   string
}

func (e *QualityError) Error() string { return "face: quality gates failed: " + e.text }

// Has reports whether the error lists issue i.
func (e *QualityError) Has(i Issue) bool {
	for _, x := range e.Issues {
		if x == i {
			return true
		}
	}
	return false
}

// CheckGeometry applies the gates that need only the detections: face
// count, size, position and pose. dets must be best first, in frame pixels.
func (c QualityConfig) CheckGeometry(dets []Detection, frameW, frameH int) Quality {
	var q Quality
	if len(dets) == 0 {
		q.Issues = append(q.Issues, IssueNoFace)
		return q
	}
	best := dets[0]
	eye := best.EyeDistance()
	q.Faces = 1
	for _, d := range dets[1:] {
		if d.EyeDistance() >= c.SecondFaceRatio*eye {
			q.Faces++
		}
	}
	if !c.AllowMultiple && q.Faces > 1 {
		q.Issues = append(q.Issues, IssueMultipleFaces)
	}
	if c.MinEyeDistance > 0 && eye < c.MinEyeDistance {
		q.Issues = append(q.Issues, IssueTooSmall)
	}
	w, h := float64(frameW), float64(frameH)
	if c.MaxOutside > 0 {
		b := best.Box
		in := Rect{max(b.X0, 0), max(b.Y0, 0), min(b.X1, w), min(b.Y1, h)}
		area := b.W() * b.H()
		inside := 0.0
		if in.W() > 0 && in.H() > 0 {
			inside = in.W() * in.H()
		}
		if area > 0 && 1-inside/area > c.MaxOutside {
			q.Issues = append(q.Issues, IssuePartlyOutside)
		}
	}
	if c.MaxCentreOffset > 0 {
		cx, cy := (best.Box.X0+best.Box.X1)/2, (best.Box.Y0+best.Box.Y1)/2
		if math.Abs(cx-w/2)/(w/2) > c.MaxCentreOffset || math.Abs(cy-h/2)/(h/2) > c.MaxCentreOffset {
			q.Issues = append(q.Issues, IssueOffCentre)
		}
	}
	q.Pose = EstimatePose(best)
	if c.MaxYaw > 0 && math.Abs(q.Pose.Yaw) > c.MaxYaw {
		q.Issues = append(q.Issues, IssueYaw)
	}
	if c.MaxPitch > 0 && math.Abs(q.Pose.Pitch) > c.MaxPitch {
		q.Issues = append(q.Issues, IssuePitch)
	}
	if c.MaxRoll > 0 && math.Abs(q.Pose.Roll) > c.MaxRoll {
		q.Issues = append(q.Issues, IssueRoll)
	}
	return q
}

// CheckCrop adds the gates on the aligned crop (sharpness, exposure) to q.
func (c QualityConfig) CheckCrop(q *Quality, crop []byte) error {
	st, err := MeasureCrop(crop)
	if err != nil {
		return err
	}
	q.Crop = st
	if c.MinSharpness > 0 && st.Sharpness < c.MinSharpness {
		q.Issues = append(q.Issues, IssueBlurry)
	}
	if c.MinBrightness > 0 && st.Brightness < c.MinBrightness {
		q.Issues = append(q.Issues, IssueTooDark)
	}
	if c.MaxBrightness > 0 && st.Brightness > c.MaxBrightness {
		q.Issues = append(q.Issues, IssueTooBright)
	}
	return nil
}
