// Package fingerprint holds what the UART fingerprint drivers share: the
// serial transport, the touch/wake source that starts a capture, and the
// host-as-system-of-record flow that keeps templates off the sensor's flash.
//
// # Concepts
//
// A [Port] is a byte pipe with a read timeout that reports silence as
// [ErrTimeout] (go.bug.st/serial returns (0, nil) instead; [SerialPort]
// converts it). Protocol drivers live in sub-packages: r30x for the
// R30x/R503/AS608 "EF 01" family and gt521 for the ADH-Tech GT-521Fxx
// "55 AA" family. Both satisfy [TemplateSensor], which is all that
// [Records] needs to enrol a finger into a [TemplateVault] and to verify a
// finger against a sealed template in sensor RAM only.
//
// A [WakeSource] blocks until a finger touches the sensor; [PinWake] drives
// it from a GPIO edge (periph.io), [PollWake] from a timer.
//
// # Caveats
//
// Templates are biometric data. This package never logs or writes them; the
// slices it returns belong to the caller, who should clear them after use
// ([Records] does).
package fingerprint
