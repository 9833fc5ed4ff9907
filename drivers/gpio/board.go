package gpio

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"

	"periph.io/x/conn/v3/driver/driverreg"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	_ "periph.io/x/host/v3/gpioioctl" // registers the Linux GPIO character-device driver with periph
)

// Config names the kiosk's pins. Empty Pin fields leave a role out.
type Config struct {
	Wake   InputConfig             // touch sensor / wake button
	LEDs   map[string]OutputConfig // by role, e.g. "green", "red"
	Buzzer OutputConfig
	Relay  RelayConfig // door
}

// Board holds the kiosk's opened pins. Roles whose Pin was empty are nil.
//
// A Board is safe for concurrent use; so are its members.
type Board struct {
	Wake   *Input
	LEDs   map[string]*Output
	Buzzer *Output
	Relay  *Relay

	pins []gpio.PinIO // for Close
}

// Registry finds pins by name; Open uses periph's gpioreg by default.
type Registry interface {
	ByName(name string) gpio.PinIO
}

type periphRegistry struct{}

func (periphRegistry) ByName(name string) gpio.PinIO { return gpioreg.ByName(name) }

// Options tune Open. The zero value (or nil) gives the defaults.
type Options struct {
	// Registry resolves pin names; nil means periph's registry after
	// initialising its host drivers (gpioioctl).
	Registry Registry
	// Logger receives relay release failures; nil discards.
	Logger *slog.Logger
}

// Open resolves and configures every named pin of cfg. On error nothing
// stays requested.
func Open(cfg Config, o *Options) (_ *Board, err error) {
	if o == nil {
		o = &Options{}
	}
	reg := o.Registry
	if reg == nil {
		if _, err := driverreg.Init(); err != nil {
			return nil, fmt.Errorf("gpio: periph init: %w", err)
		}
		reg = periphRegistry{}
	}
	b := &Board{LEDs: map[string]*Output{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, b.Close())
		}
	}()
	seen := map[string]string{}
	pin := func(role, name string) (gpio.PinIO, error) {
		if other, dup := seen[name]; dup {
			return nil, fmt.Errorf("%w: pin %q used for both %s and %s", ErrConfig, name, other, role)
		}
		seen[name] = role
		p := reg.ByName(name)
		if p == nil {
			return nil, fmt.Errorf("%w: %q (%s)", ErrNoPin, name, role)
		}
		b.pins = append(b.pins, p)
		return p, nil
	}
	// the relay first: it must be driven to released as early as possible
	if cfg.Relay.Pin != "" {
		p, err := pin("relay", cfg.Relay.Pin)
		if err != nil {
			return nil, err
		}
		if b.Relay, err = NewRelay(p, cfg.Relay, o.Logger); err != nil {
			return nil, err
		}
	}
	if cfg.Wake.Pin != "" {
		p, err := pin("wake", cfg.Wake.Pin)
		if err != nil {
			return nil, err
		}
		if b.Wake, err = NewInput(p, cfg.Wake); err != nil {
			return nil, err
		}
	}
	if cfg.Buzzer.Pin != "" {
		p, err := pin("buzzer", cfg.Buzzer.Pin)
		if err != nil {
			return nil, err
		}
		if b.Buzzer, err = NewOutput(p, cfg.Buzzer); err != nil {
			return nil, err
		}
	}
	for _, role := range sortedRoles(cfg.LEDs) {
		lc := cfg.LEDs[role]
		if lc.Pin == "" {
			continue
		}
		p, err := pin("led "+role, lc.Pin)
		if err != nil {
			return nil, err
		}
		if b.LEDs[role], err = NewOutput(p, lc); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func sortedRoles(m map[string]OutputConfig) []string {
	roles := make([]string, 0, len(m))
	for role := range m {
		roles = append(roles, role)
	}
	sort.Strings(roles)
	return roles
}

// Close releases the relay, switches outputs off and frees every line.
func (b *Board) Close() error {
	var errs []error
	if b.Wake != nil {
		errs = append(errs, b.Wake.Close())
	}
	if b.Relay != nil {
		errs = append(errs, b.Relay.Close())
	}
	if b.Buzzer != nil {
		errs = append(errs, b.Buzzer.Close())
	}
	for _, l := range b.LEDs {
		errs = append(errs, l.Close())
	}
	for _, p := range b.pins {
		if c, ok := p.(interface{ Close() }); ok { // gpioioctl lines free their request
			c.Close()
		}
	}
	b.pins = nil
	return errors.Join(errs...)
}
