package match

import (
	_ "embed"
)

// defaultCalibration is the file `make eval-faces` wrote for MobileFaceNet
// on the shared face set (see its "data" and "method" fields).
//
//go:embed calibrations/mobilefacenet.json
var defaultCalibration []byte

// DefaultCalibration returns the shipped calibration for the default
// embedder (MobileFaceNet, 192-d). It was fitted on 70 images of 14
// identities, far too few to pin thresholds down: deployments should
// replace it with one measured on their own camera and population.
func DefaultCalibration() (*Calibration, error) {
	return ParseCalibration(defaultCalibration)
}
