// Package modelbench times the face models with models/tflite and with the
// official TFLite runtime (WebAssembly, via package ref) in one process,
// alternating the two runtimes invoke by invoke, and checks on the same random
// input that both compute the same outputs.
//
// Run measures one build of the interpreter (the one linked into the
// running binary). Variants lists the builds `make bench-models` compares:
// the default build (assembly kernels chosen at run time) and the portable
// Go path (-tags purego) compiled for GOAMD64=v1 and v3; RunVariant builds
// each with the go command and runs it as a child that reports JSON.
// Config.Threads (benchmodels -threads N) adds the default build run with
// tflite.Options.Threads = N, an informational row against the same
// single-threaded reference (its WASM SIMD build is not the threaded one).
package modelbench
