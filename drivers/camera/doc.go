// Package camera captures frames from cameras and other frame sources and
// delivers them as 8-bit RGB images to a consumer such as the face pipeline.
//
// # Concepts
//
// A [Source] hands out [Frame]s: packed RGB (3 bytes per pixel), a sequence
// number and a capture time. Every source is a [Stream]: a goroutine that
// reads raw frames from a capturer, converts them to RGB and publishes them
// into a [Ring]. The ring is newest-frame-wins: the producer never waits for
// the consumer, and a consumer asking for the next frame always gets the most
// recent one, so slow inference never stalls capture and never sees stale
// frames. Capturers are
//
//   - V4L2 devices via github.com/blackjack/webcam ([OpenDevice], Linux only),
//     with format negotiation ([ListDevices], [Choose]), mmap buffers and
//     controls such as brightness and exposure;
//   - a child process writing YUV420 or MJPEG to a pipe ([OpenPipe]), for
//     Raspberry Pi CSI cameras served by rpicam-vid (libcamera);
//   - image folders and recorded MJPEG files played at a fixed rate
//     ([OpenFiles]) and a synthetic test pattern ([NewSynthetic]).
//
// A stream whose device disappears (ENODEV, the process exits, the pipe
// breaks) closes it and reopens it with exponential backoff; [Stream.Status]
// reports the state for a UI.
//
// # Conversions
//
// YUYV and I420 are converted with BT.601 limited-range coefficients in fixed
// point ([YUYVToRGB], [I420ToRGB]), within one level of the exact result.
// MJPEG frames are decoded with image/jpeg; frames that omit their Huffman
// tables, as many UVC cameras send them, get the standard tables of ITU-T
// T.81 Annex K.3 inserted first ([JPEGDecoder]).
//
// # Caveats
//
// Frames live in reused buffers: a Frame returned by Next is valid until its
// Release, which zeroes the pixels and hands the buffer back. Nothing in this
// package writes a frame to disk or to a log; decoded intermediate images are
// zeroed after conversion.
package camera
