package face

import "fmt"

// DetectorSpec describes a BlazeFace-family detector: input size, anchor
// layout, output tensor names and decoding thresholds.
type DetectorSpec struct {
	Name             string  // model id, e.g. "face_detection_short_range"
	Size             int     // square input side in pixels
	Strides          []int   // one entry per anchor layer; equal consecutive strides merge
	AnchorsPerLayer  int     // anchors per cell contributed by each layer
	Regressors       string  // output tensor name of [1, N, 16] box+keypoint regressions
	Classifiers      string  // output tensor name of [1, N, 1] logits
	ScoreThreshold   float32 // keep detections with sigmoid score >= this
	IoUThreshold     float64 // weighted NMS merges boxes with IoU above this
	MaxDetections    int     // cap on returned faces (0 = 16)
	MinSizeNormInput float64 // drop boxes narrower than this fraction of the input (0 = keep all)
}

// ShortRange is MediaPipe BlazeFace short-range (128×128, 896 anchors), for
// faces within about two metres.
func ShortRange() DetectorSpec {
	return DetectorSpec{
		Name: "face_detection_short_range", Size: 128,
		Strides: []int{8, 16, 16, 16}, AnchorsPerLayer: 2,
		Regressors: "regressors", Classifiers: "classificators",
		ScoreThreshold: 0.5, IoUThreshold: 0.3,
	}
}

// FullRange is MediaPipe BlazeFace full-range (192×192, 2304 anchors), for
// small or distant faces.
func FullRange() DetectorSpec {
	return DetectorSpec{
		Name: "face_detection_full_range", Size: 192,
		Strides: []int{4}, AnchorsPerLayer: 1,
		Regressors: "reshaped_regressor_face_4", Classifiers: "reshaped_classifier_face_4",
		ScoreThreshold: 0.6, IoUThreshold: 0.3,
	}
}

// anchor is a cell centre in normalised input coordinates.
type anchor struct{ x, y float64 }

// anchors generates MediaPipe SSD anchors with fixed size and offset 0.5:
// consecutive layers with the same stride are merged, cells are row-major
// and each cell holds the merged layers' anchors one after another.
func (s DetectorSpec) anchors() ([]anchor, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	var out []anchor
	for i := 0; i < len(s.Strides); {
		j := i
		for j < len(s.Strides) && s.Strides[j] == s.Strides[i] {
			j++
		}
		per := (j - i) * s.AnchorsPerLayer
		f := (s.Size + s.Strides[i] - 1) / s.Strides[i]
		for y := 0; y < f; y++ {
			for x := 0; x < f; x++ {
				a := anchor{(float64(x) + 0.5) / float64(f), (float64(y) + 0.5) / float64(f)}
				for range per {
					out = append(out, a)
				}
			}
		}
		i = j
	}
	return out, nil
}

func (s DetectorSpec) validate() error {
	switch {
	case s.Size < 16 || s.Size > 1024:
		return fmt.Errorf("%w: detector size %d", ErrBadConfig, s.Size)
	case len(s.Strides) == 0 || s.AnchorsPerLayer <= 0:
		return fmt.Errorf("%w: detector %q has no anchors", ErrBadConfig, s.Name)
	case !(s.ScoreThreshold > 0 && s.ScoreThreshold < 1):
		return fmt.Errorf("%w: score threshold %v", ErrBadConfig, s.ScoreThreshold)
	case !(s.IoUThreshold > 0 && s.IoUThreshold < 1):
		return fmt.Errorf("%w: IoU threshold %v", ErrBadConfig, s.IoUThreshold)
	case s.MaxDetections < 0:
		return fmt.Errorf("%w: max detections %d", ErrBadConfig, s.MaxDetections)
	}
	for _, st := range s.Strides {
		if st <= 0 || st > s.Size {
			return fmt.Errorf("%w: stride %d", ErrBadConfig, st)
		}
	}
	return nil
}
