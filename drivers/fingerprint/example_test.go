package fingerprint_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

// The kiosk flow enrols and verifies through Records; the module's flash
// never holds the template. Here the module is the simulator on a pty, as
// in `make demo`; on hardware pass "/dev/serial0" to r30x.Open.
func ExampleRecords() {
	ctx := context.Background()
	module := sim.New(sim.Config{Profile: sim.R503()})
	pty, err := sim.StartPTY(ctx, module, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pty.Close()
	dev, err := r30x.Open(ctx, pty.Path, &r30x.Options{Wake: module.Wake()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer dev.Close()

	rec := fingerprint.Records{Sensor: dev, Vault: &memVault{}}
	alice := sim.NewFinger("alice")
	if err := rec.Enroll(ctx, "alice", module.Presenter(alice)); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("templates on the module:", module.Templates())

	module.Place(sim.NewFinger("mallory"))
	_, err = rec.Verify(ctx, "alice")
	module.Lift()
	fmt.Println("impostor rejected:", errors.Is(err, fingerprint.ErrNoMatch))

	module.Place(alice)
	m, err := rec.Verify(ctx, "alice")
	module.Lift()
	fmt.Println("alice matched:", err == nil && m.Matched)
	// Output:
	// templates on the module: 0
	// impostor rejected: true
	// alice matched: true
}
