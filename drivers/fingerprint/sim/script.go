package sim

import "github.com/vouchkiosk/vouch/drivers/fingerprint"

// Presenter returns an enrolment progress callback that plays a cooperative
// user with finger f: it places the finger when the driver asks for it and
// lifts it when told to. Tests and the demo pass it to Enroll.
func (s *Sensor) Presenter(f Finger) func(fingerprint.Step) { return presenter(&s.pad, f) }

// Presenter is the GT521 counterpart of Sensor.Presenter.
func (g *GT521) Presenter(f Finger) func(fingerprint.Step) { return presenter(&g.pad, f) }

func presenter(p *pad, f Finger) func(fingerprint.Step) {
	return func(st fingerprint.Step) {
		switch st.Event {
		case fingerprint.StepPlaceFinger:
			p.place(f)
		case fingerprint.StepLiftFinger, fingerprint.StepRetry, fingerprint.StepMerged:
			p.lift()
		}
	}
}
