package r30x_test

import (
	"context"
	"testing"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

// benchRig opens a driver on a simulated module through a byte counter.
func benchRig(b *testing.B, cfg sim.Config) (*sim.Sensor, *r30x.Device, *fingerprint.Counter) {
	b.Helper()
	s := sim.New(cfg)
	p, err := sim.StartPTY(context.Background(), s, "")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Close() })
	sp, err := fingerprint.OpenSerial(p.Path, fingerprint.SerialConfig{})
	if err != nil {
		b.Fatal(err)
	}
	c := &fingerprint.Counter{Port: sp}
	d := r30x.New(c, &r30x.Options{Wake: s.Wake()})
	b.Cleanup(func() { d.Close() })
	if err := d.Init(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s, d, c
}

// report adds the wire cost of one operation and what it costs at 57600
// baud on a real UART (8N1: ten bit times per byte).
func report(b *testing.B, c *fingerprint.Counter) {
	per := float64(c.In+c.Out) / float64(b.N)
	b.ReportMetric(per, "wire-B/op")
	b.ReportMetric(float64(fingerprint.WireTime(int64(per), 57600).Microseconds())/1000, "wire-ms@57600/op")
}

// modes: "pty" measures the driver and simulator alone; "57600" makes the
// simulator pace its replies at 57600 baud and add the module's capture and
// processing latencies, i.e. the time a real module needs (the UI budget).
var benchModes = []struct {
	name string
	cfg  func(sim.Profile) sim.Config
}{
	{"pty", func(p sim.Profile) sim.Config { return sim.Config{Profile: p} }},
	{"57600", func(p sim.Profile) sim.Config { return sim.Config{Profile: p, Baud: 57600, Latency: true} }},
}

// BenchmarkPing is the reference: the smallest transaction (VfyPwd, 12+12
// bytes) over the same link, measured in the same run.
func BenchmarkPing(b *testing.B) {
	for _, m := range benchModes {
		b.Run(m.name, func(b *testing.B) {
			_, d, c := benchRig(b, m.cfg(sim.R503()))
			ctx := context.Background()
			c.Reset()
			for b.Loop() {
				if err := d.VerifyPassword(ctx, 0); err != nil {
					b.Fatal(err)
				}
			}
			report(b, c)
		})
	}
}

func BenchmarkEnroll(b *testing.B) {
	for _, prof := range []sim.Profile{sim.R307(), sim.R503()} {
		for _, m := range benchModes {
			b.Run(prof.Name+"/"+m.name, func(b *testing.B) {
				s, d, c := benchRig(b, m.cfg(prof))
				ctx := context.Background()
				present := s.Presenter(sim.NewFinger("bench"))
				c.Reset()
				for b.Loop() {
					if _, err := d.Enroll(ctx, present); err != nil {
						b.Fatal(err)
					}
				}
				report(b, c)
			})
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, prof := range []sim.Profile{sim.R307(), sim.R503()} {
		for _, m := range benchModes {
			b.Run(prof.Name+"/"+m.name, func(b *testing.B) {
				s, d, c := benchRig(b, m.cfg(prof))
				ctx := context.Background()
				f := sim.NewFinger("bench")
				tmpl, err := d.Enroll(ctx, s.Presenter(f))
				if err != nil {
					b.Fatal(err)
				}
				s.Place(f)
				c.Reset()
				for b.Loop() {
					m, err := d.VerifyTemplate(ctx, tmpl)
					if err != nil || !m.Matched {
						b.Fatal(m, err)
					}
				}
				report(b, c)
			})
		}
	}
}
