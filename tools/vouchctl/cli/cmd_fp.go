package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/gt521"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/sim"
)

const fpUsage = `<probe|capture|enroll> [flags]

  probe    find the module (baud auto-detect) and print its parameters and info
  capture  wait for a finger, take an image and print its quality and a preview
  enroll   enrol a finger, then verify it interactively (template kept in memory only)

Without hardware, -sim r307|r503|as608|gt521 runs the same code against the
byte-exact simulator on a pseudo-terminal, with a scripted finger.`

func fpCmd() Command {
	return Command{
		Name:    "fp",
		Summary: "fingerprint sensor: probe, capture with quality readout, enrol and verify",
		Run:     runFP,
	}
}

type fpFlags struct {
	port, family, simProfile, finger, impostor string
	baud, verify                               int
	timeout                                    time.Duration
}

func runFP(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError("fp needs a subcommand: probe, capture or enroll")
	}
	sub := args[0]
	fs := newFlags(env, "fp", fpUsage)
	var f fpFlags
	fs.StringVar(&f.port, "port", "/dev/serial0", "serial device of the module")
	fs.StringVar(&f.family, "family", "r30x", "protocol family: r30x (R305/R307/R503/AS608) or gt521")
	fs.IntVar(&f.baud, "baud", 0, "line rate; 0 = auto-detect (r30x) or 9600 (gt521)")
	fs.StringVar(&f.simProfile, "sim", "", "use the simulator instead of hardware: r307, r503, as608 or gt521")
	fs.StringVar(&f.finger, "finger", "operator", "simulator: id of the finger placed on the sensor")
	fs.StringVar(&f.impostor, "impostor", "", "simulator: finger used for verification (default: the enrolled one)")
	fs.IntVar(&f.verify, "verify", 3, "enroll: verification attempts after enrolment")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "overall time limit")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError("fp %s: unexpected arguments %q", sub, fs.Args())
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	s, err := openFP(ctx, env, f)
	if err != nil {
		return err
	}
	defer s.close()
	switch sub {
	case "probe":
		return s.probe(ctx, env.Stdout)
	case "capture":
		return s.capture(ctx, env.Stdout)
	case "enroll":
		return s.enroll(ctx, env.Stdout, f.verify)
	}
	return usageError("fp: unknown subcommand %q (probe, capture or enroll)", sub)
}

// fpSession is an open module plus, under -sim, the simulated finger script.
type fpSession struct {
	r30      *r30x.Device
	gt       *gt521.Device
	gtInfo   gt521.Info
	baud     int
	sensor   fingerprint.TemplateSensor
	present  func(fingerprint.Step) // places/lifts the scripted finger (sim only)
	touch    func(bool)             // puts the verification finger down or lifts it (sim only)
	closeAll []func() error
}

func (s *fpSession) close() {
	for i := len(s.closeAll) - 1; i >= 0; i-- {
		s.closeAll[i]()
	}
}

func openFP(ctx context.Context, env Env, f fpFlags) (*fpSession, error) {
	s := &fpSession{present: func(fingerprint.Step) {}, touch: func(bool) {}}
	var wake fingerprint.WakeSource
	if f.simProfile != "" {
		var mod sim.Module
		finger, probe := sim.NewFinger(f.finger), sim.NewFinger(f.finger)
		if f.impostor != "" {
			probe = sim.NewFinger(f.impostor)
		}
		switch f.simProfile {
		case "r307", "r503", "as608":
			prof := map[string]sim.Profile{"r307": sim.R307(), "r503": sim.R503(), "as608": sim.AS608()}[f.simProfile]
			m := sim.New(sim.Config{Profile: prof, Latency: true})
			mod, wake, s.present = m, m.Wake(), m.Presenter(finger)
			s.touch = func(down bool) { placeOrLift(down, probe, m.Place, m.Lift) }
			f.family = "r30x"
		case "gt521":
			m := sim.NewGT521(sim.GT521Config{})
			mod, wake, s.present = m, m.Wake(), m.Presenter(finger)
			s.touch = func(down bool) { placeOrLift(down, probe, m.Place, m.Lift) }
			f.family = "gt521"
		default:
			return nil, usageError("fp: unknown simulator profile %q", f.simProfile)
		}
		p, err := sim.StartPTY(ctx, mod, "")
		if err != nil {
			return nil, err
		}
		s.closeAll = append(s.closeAll, p.Close)
		f.port = p.Path
		fmt.Fprintf(env.Stdout, "simulated %s on %s (finger %q)\n", f.simProfile, p.Path, f.finger)
	}
	switch f.family {
	case "r30x":
		var bauds []int
		if f.baud != 0 {
			bauds = []int{f.baud}
		}
		d, baud, err := r30x.Probe(ctx, f.port, bauds, &r30x.Options{Wake: wake, Logger: env.Logger()})
		if err != nil {
			s.close()
			return nil, err
		}
		s.r30, s.baud, s.sensor = d, baud, d
		s.closeAll = append(s.closeAll, d.Close)
	case "gt521":
		d, info, err := gt521.Open(ctx, f.port, &gt521.Options{Baud: f.baud, Wake: wake, Logger: env.Logger()})
		if err != nil {
			s.close()
			return nil, err
		}
		s.gt, s.gtInfo, s.baud, s.sensor = d, info, max(f.baud, gt521.DefaultBaud), d
		s.closeAll = append(s.closeAll, d.Close)
	default:
		s.close()
		return nil, usageError("fp: unknown family %q (r30x or gt521)", f.family)
	}
	return s, nil
}

func placeOrLift(down bool, f sim.Finger, place func(sim.Finger), lift func()) {
	if down {
		place(f)
	} else {
		lift()
	}
}

func (s *fpSession) probe(ctx context.Context, w io.Writer) error {
	if s.gt != nil {
		n, err := s.gt.EnrollCount(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "GT-521Fxx at %d baud\nfirmware   0x%08X\nserial     %X\nenrolled   %d\n",
			s.baud, s.gtInfo.FirmwareVersion, s.gtInfo.Serial, n)
		return nil
	}
	p, err := s.r30.ReadSysParams(ctx)
	if err != nil {
		return err
	}
	n, err := s.r30.TemplateCount(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "R30x-family module at %d baud (module register: %d)\naddress    0x%08X\ncapacity   %d (in use: %d)\nsecurity   %d\npacket     %d bytes\nsystem id  0x%04X, status 0x%04X\n",
		s.baud, p.Baud, p.Address, p.Capacity, n, p.SecurityLevel, p.PacketSize, p.SystemID, p.Status)
	info, err := s.r30.ProductInfo(ctx)
	switch {
	case err == nil:
		fmt.Fprintf(w, "model      %s (batch %s, serial %s, hw %d.%d)\nsensor     %s %dx%d, template %d bytes, library %d\n",
			info.Model, info.Batch, info.Serial, info.HardwareMajor, info.HardwareMinor,
			info.SensorModel, info.SensorWidth, info.SensorHeight, info.TemplateSize, info.LibraryEntries)
	case errors.Is(err, r30x.CodeRecvError), errors.Is(err, r30x.CodeUnsupported):
		fmt.Fprintln(w, "model      classic (no ReadProdInfo)")
	default:
		return err
	}
	return nil
}

func (s *fpSession) capture(ctx context.Context, w io.Writer) error {
	if s.r30 == nil {
		return usageError("fp capture: image upload is supported on r30x modules only")
	}
	fmt.Fprintln(w, "place a finger on the sensor…")
	s.touch(true)
	defer s.touch(false)
	if err := s.r30.Capture(ctx); err != nil {
		return err
	}
	start := time.Now()
	raw, err := s.r30.UpImage(ctx)
	if err != nil {
		return err
	}
	defer clear(raw)
	wdt, hgt := 256, 288
	if len(raw) == 192*192/2 {
		wdt, hgt = 192, 192
	}
	im, err := fingerprint.UnpackImage(raw, wdt, hgt)
	if err != nil {
		return err
	}
	defer im.Clear()
	q := im.Quality()
	if err := im.ASCII(w, 64); err != nil {
		return err
	}
	verdict := "good"
	if q.Score < 40 {
		verdict = "poor: clean the sensor or press flatter"
	}
	fmt.Fprintf(w, "image %dx%d in %v (%d bytes, %v at %d baud)\nquality %d/100 (%s): coverage %.0f%%, contrast %.2f, noise %.2f\n",
		wdt, hgt, time.Since(start).Round(time.Millisecond), len(raw), fingerprint.WireTime(int64(len(raw)), s.baud).Round(time.Millisecond),
		s.baud, q.Score, verdict, 100*q.Coverage, q.Contrast, q.Noise)
	err = s.r30.Image2Tz(ctx, 1)
	switch {
	case err == nil:
		fmt.Fprintln(w, "features: extracted")
	case errors.As(err, new(*r30x.ModuleError)):
		fmt.Fprintf(w, "features: %v\n", err)
	default:
		return err
	}
	return nil
}

func (s *fpSession) enroll(ctx context.Context, w io.Writer, attempts int) error {
	tmpl, err := s.sensor.EnrollTemplate(ctx, func(st fingerprint.Step) {
		fmt.Fprintf(w, "[%d/%d] %s\n", st.Capture, st.Of, st.Event)
		s.present(st)
	})
	if err != nil {
		return err
	}
	defer clear(tmpl)
	fmt.Fprintf(w, "enrolled: %d-byte template held in memory only (not written to disk or to the module)\n", len(tmpl))
	for i := 1; i <= attempts; i++ {
		fmt.Fprintf(w, "verify %d/%d: place the finger…\n", i, attempts)
		s.touch(true)
		m, err := s.sensor.VerifyTemplate(ctx, tmpl)
		s.touch(false)
		if err != nil {
			return err
		}
		switch {
		case m.Matched && m.Score > 0:
			fmt.Fprintf(w, "verify %d/%d: MATCH (score %d)\n", i, attempts, m.Score)
		case m.Matched:
			fmt.Fprintf(w, "verify %d/%d: MATCH\n", i, attempts)
		default:
			fmt.Fprintf(w, "verify %d/%d: no match\n", i, attempts)
		}
	}
	return nil
}
