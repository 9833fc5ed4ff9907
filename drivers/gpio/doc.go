// Package gpio drives the kiosk's discrete I/O through periph.io: a touch
// or wake input, status LEDs, a buzzer and the door relay.
//
// # Concepts
//
// Each role wraps the narrowest periph interface it needs: an [Input]
// takes a gpio.PinIn, an [Output] (LED, buzzer) and a [Relay] take a
// gpio.PinOut, so tests use periph's gpiotest.Pin and production uses
// gpioioctl lines (the Linux GPIO character device). [Open] resolves the
// pin names of a [Config] through periph's registry and builds a [Board].
// Polarity is configuration: ActiveLow inverts a line so callers always
// speak of "active", "on" and "energised".
//
// Inputs are debounced: a level counts only once it held for the debounce
// time. [Input.WaitFor] blocks until the debounced level is the wanted one,
// waking on kernel edge events and honouring its context.
//
// # Relay safety
//
// The relay can only be pulsed. Every energise is bounded by the relay's
// MaxOn, enforced in this package by a timer that releases the line even if
// the caller forgets; [Relay.Pulse] releases on return, context
// cancellation and panic; [Relay.Close] and [Board.Close] release on
// shutdown, and [Relay.Guard] releases when a goroutine panics.
//
// None of that helps when the process dies: on SIGKILL or a crash the
// kernel frees the line request, and what the pin does next is up to the
// GPIO controller, not to us. gpio-sim (measured in the vmtest VM) returns
// the line to its pull; on a Raspberry Pi the controller keeps driving the
// last value, so a relay energised at the moment of the kill stays
// energised. The wiring and configuration must therefore fail safe on
// their own:
//
//   - use a normally-open relay contact for the lock, so a de-energised
//     coil means a locked door (fail-secure) — or normally-closed for a
//     fail-safe maglock, as fire code demands; decide per door, but make
//     "coil off" the safe state;
//   - drive the coil through a transistor whose base/gate has a pull-down
//     resistor to the inactive level (and set ActiveLow to match), so a
//     floating or reset pin (boot, kernel release, firmware update) means
//     "off";
//   - keep MaxOn short (seconds) and use pulses only, never a latched on;
//   - enable the board's hardware watchdog (systemd RuntimeWatchdogSec=),
//     so a hung system reboots and the pins return to their reset state;
//   - for doors where a stuck relay matters, add a hardware monostable
//     (e.g. a 555 or a timer relay) that limits the pulse independently of
//     software.
//
// # Caveats
//
// periph's gpioioctl driver enumerates /dev/gpiochip* once, in Open's
// first driverreg.Init; chips that appear later are not seen. Lines
// without a name are not registered; name them in the device tree.
package gpio
