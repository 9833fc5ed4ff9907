package face

import "errors"

// Sentinel errors. Callers branch with errors.Is; messages carry the details.
var (
	// ErrBadFrame is returned for an empty, degenerate or inconsistent frame
	// (zero size, stride smaller than a row, pixel buffer too short).
	ErrBadFrame = errors.New("face: bad frame")
	// ErrNoFace is returned when the detector finds no face above threshold.
	ErrNoFace = errors.New("face: no face")
	// ErrModelShape is returned when a model's tensors do not have the shapes
	// this package needs (wrong detector, wrong embedder, wrong batch).
	ErrModelShape = errors.New("face: model tensor shape")
	// ErrBadTensor is returned when a model output holds values that cannot be
	// used (NaN or ±Inf in an embedding, an all-zero embedding).
	ErrBadTensor = errors.New("face: bad tensor values")
	// ErrBadConfig is returned for invalid quality or detector settings.
	ErrBadConfig = errors.New("face: bad config")
)
