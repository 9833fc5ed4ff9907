// Package gt521 drives ADH-Tech GT-511Cx / GT-521Fxx fingerprint modules
// (SparkFun SEN-14518/14585) over a serial port.
//
// # Concepts
//
// The family frames every command and response as 12 bytes starting 55 AA,
// little-endian, with a 16-bit sum of all preceding bytes; bulk data travels
// in 5A A5 packets whose length is implied by the command. A Device
// serialises transactions, resynchronises on the start bytes after noise,
// and reports NACKs as typed errors ([Nack]). It implements
// fingerprint.TemplateSensor, so fingerprint.Records keeps the templates on
// the host: enrolment uses a scratch slot that is read out and deleted, and
// verification sends the template with VerifyTemplate1_1.
//
// # Caveats
//
// The module's default rate is 9600 baud. A port carries one family only:
// 0x55 also starts an R503 ready byte, so the family is configuration, never
// auto-detected. The exact reply sequence of VerifyTemplate1_1 (an ACK to
// the command, then a result after the data) follows the SparkFun driver;
// confirm it on hardware.
package gt521
