// Package sim simulates UART fingerprint modules byte for byte, so the
// drivers, the kiosk flow and the demo run without hardware.
//
// # Concepts
//
// A [Sensor] is an R30x-family module (profiles [R307], [R503], [AS608]):
// flash library, char buffers, image buffer, system registers, password and
// address. A [GT521] is a GT-521Fxx. Either serves any io.ReadWriter;
// [StartPTY] runs one on the master side of a raw pseudo-terminal and gives
// the driver a device path to open exactly like a real UART, with
// [PTY.Unplug] and [PTY.Replug] to pull and reinsert it.
//
// Fingers are scripted: [NewFinger] derives a synthetic print (minutiae and
// a ridge pattern) from an id, deterministically. Each capture of a placed
// finger is a new noisy impression; impressions of one finger match each
// other and not those of other fingers. [Sensor.Presenter] plays a
// cooperative user during enrolment. [Sensor.Inject] arms faults: messy
// image, too few features, failed capture, late reply, line noise, corrupt
// checksum, dropped reply, power loss.
//
// # Caveats
//
// Feature files and templates use the simulator's own format, sized like
// the real ones; real templates are proprietary. Timing is instantaneous
// unless Config.Latency and Config.Baud ask for the module's processing
// times and the UART's byte rate.
package sim
