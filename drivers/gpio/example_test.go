package gpio_test

import (
	"context"
	"time"

	"github.com/vouchkiosk/vouch/drivers/gpio"
)

// Open the kiosk's pins by name, wait for a touch, then pulse the door.
func ExampleOpen() {
	b, err := gpio.Open(gpio.Config{
		Wake:  gpio.InputConfig{Pin: "GPIO17", ActiveLow: true},
		LEDs:  map[string]gpio.OutputConfig{"green": {Pin: "GPIO22"}},
		Relay: gpio.RelayConfig{Pin: "GPIO27", MaxOn: 3 * time.Second},
	}, nil)
	if err != nil {
		return // no such pins on this machine
	}
	defer b.Close() // releases the relay and frees the lines
	ctx := context.Background()
	if err := b.Wake.WaitFor(ctx, true); err != nil {
		return
	}
	_ = b.Relay.Pulse(ctx, 2*time.Second) // never longer than MaxOn
}
