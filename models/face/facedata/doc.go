// Package facedata reads a labelled face folder (identities.csv beside the
// images) and runs the face pipeline over it, for evaluation and
// calibration (`vouchctl eval faces`).
//
// # Caveats
//
// Images are decoded in memory, their frames are zeroed after use, and
// nothing is written anywhere. Inputs are bounded (MaxIndexBytes,
// MaxImageBytes, face.MaxFrameSide); file names must be plain names inside
// the folder.
package facedata
