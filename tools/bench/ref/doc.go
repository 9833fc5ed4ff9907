// Package ref drives the official TensorFlow Lite runtime, compiled to
// WebAssembly (npm @tensorflow/tfjs-tflite), in a long-lived Node child
// process, so Go code can time it and compare outputs against it.
//
// The child runs runner.js from this directory and speaks one JSON object
// per line over its stdin and stdout (see the protocol comment in
// runner.js). Infer durations are measured inside Node around the runtime's
// Infer call alone: pipe and framing costs are not part of them.
//
// The npm package is not vendored: `make bench-ref` installs the pinned
// version into tools/bench/node_modules after checking its sha512 integrity.
package ref
