package match

import (
	"errors"
	"strings"
	"testing"
)

func validCalibration() *Calibration {
	return &Calibration{
		Version: CalibrationVersion, Model: "mobilefacenet", Dim: 192,
		Verify: 0.45, Identify: 0.55, RosterCap: 100,
		Points: []OperatingPoint{{TargetFMR: 1e-3, Threshold: 0.45, FMR: 0.001, FNMR: 0.02}},
		Method: "test", Data: "test",
	}
}

func TestCalibrationRoundTrip(t *testing.T) {
	c := validCalibration()
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseCalibration(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Verify != c.Verify || got.Identify != c.Identify || got.RosterCap != c.RosterCap || len(got.Points) != 1 {
		t.Errorf("round trip: %+v", got)
	}
}

func TestParseCalibrationRejects(t *testing.T) {
	good, _ := validCalibration().Marshal()
	for _, tt := range []struct{ name, in string }{
		{"empty", ""},
		{"not json", "threshold=0.4"},
		{"unknown field", strings.Replace(string(good), `"dim"`, `"dimm"`, 1)},
		{"trailing", string(good) + "{}"},
		{"version", strings.Replace(string(good), `"version": 1`, `"version": 2`, 1)},
		{"threshold range", strings.Replace(string(good), `"verify_threshold": 0.45`, `"verify_threshold": 1.5`, 1)},
		{"negative cap", strings.Replace(string(good), `"roster_cap": 100`, `"roster_cap": -1`, 1)},
		{"rate range", strings.Replace(string(good), `"heldout_fnmr": 0.02`, `"heldout_fnmr": 2`, 1)},
		{"huge", strings.Repeat(" ", MaxCalibrationSize+1)},
	} {
		if _, err := ParseCalibration([]byte(tt.in)); !errors.Is(err, ErrBadCalibration) {
			t.Errorf("%s: %v, want ErrBadCalibration", tt.name, err)
		}
	}
}

func FuzzParseCalibration(f *testing.F) {
	good, _ := validCalibration().Marshal()
	f.Add(good)
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"model":"m","dim":1,"verify_threshold":NaN}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCalibration(b)
		if err != nil {
			if !errors.Is(err, ErrBadCalibration) {
				t.Fatalf("error %v is not ErrBadCalibration", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("parsed calibration fails validation: %v", err)
		}
		if _, err := c.Marshal(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDefaultCalibration(t *testing.T) {
	c, err := DefaultCalibration()
	if err != nil {
		t.Fatal(err)
	}
	if c.Model != "mobilefacenet" || c.Dim != 192 || c.RosterCap < 1 || !(c.Verify > 0.3 && c.Verify <= c.Identify) {
		t.Errorf("shipped calibration looks wrong: %+v", c)
	}
	if _, err := NewRosterIndex(c); err != nil {
		t.Error(err)
	}
}
