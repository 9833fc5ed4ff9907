// Package r30x drives the UART fingerprint modules of the R30x / ZhianTec
// "EF 01" family: R305, R307, R503, AS608, ZFM-20/60/70, FPM10A and clones.
//
// # Concepts
//
// Frames are EF 01 | address | PID | LENGTH | payload | SUM, big-endian
// (fingerprint-protocol.md §1.3). [Reader] finds them in a byte stream with
// a sliding-window header search, bounds LENGTH before waiting for a body,
// checks the checksum and the address, and rescans from the next byte after
// any mismatch, so it regains sync after noise, a power-up ready byte or a
// torn frame. [Device] runs one command at a time: it flushes stale input,
// writes the command, reads the acknowledgement under a deadline, and after
// a timeout or a malformed reply drains the line until it is quiet so that a
// late answer cannot be taken for the next one.
//
// Module answers are typed: a non-zero confirmation code is a [*ModuleError]
// that unwraps to a [Code], so callers write errors.Is(err, r30x.CodeNoFinger).
// Transport failures stay distinct (fingerprint.ErrTimeout, ErrProtocol,
// ErrDisconnected); the two are never mixed.
//
// Templates are never stored in the module's flash by [Device.Enroll]: it
// merges the captures in RAM and reads the template out with UpChar, and
// [Device.VerifyTemplate] loads it back with DownChar for a 1:1 Match. With
// fingerprint.Records this makes the host the system of record.
//
// # Caveats
//
// Transfers end at the end-data packet, never at a byte count: template
// sizes differ by model (256 … 1536 bytes). The driver never sends Control
// (0x17), BurnCode (0x1A) or SetPwd, and sends SetAdder only when asked.
// R503-only commands ([Device.SetAura], [Device.ProductInfo], …) answer
// CodeRecvError or CodeUnsupported on other models.
package r30x
