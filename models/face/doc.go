// Package face turns RGB camera frames into face templates: BlazeFace
// detection (letterbox, anchors, box and keypoint decoding, weighted
// non-maximum suppression), similarity alignment to the canonical 112×112
// ArcFace crop, quality gates with reasons a UI can show, and the embedder
// that maps an aligned crop to an L2-normalised template.
//
// # Concepts
//
// A [Frame] is an 8-bit interleaved RGB view (width, height, stride, pixels),
// the format the camera driver produces. [Letterbox] fits a frame into the
// square detector input keeping its aspect ratio; [Decoder] turns the raw
// detector tensors into [Detection]s in frame pixels; [Align] warps the best
// face into a reused 112×112 crop; [CheckQuality] says whether a detection is
// usable and, if not, why; [Embedder] runs the embedding model.
// [Pipeline] wires all of them for the common case of one face per frame.
//
// Resampling follows the reference preprocessing exactly (box prefilter by an
// integer factor, then bilinear interpolation with pixel centres at i+0.5 and
// round half up), so inputs match the goldens the models were checked with.
//
// # Caveats
//
// Crops and network inputs live in buffers owned by the [Pipeline] or
// [Aligner] and are overwritten by the next call and zeroed by Wipe; nothing
// in this package writes pixels to disk or to logs. None of the types are
// safe for concurrent use unless their documentation says so.
package face
