package api

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// TextContentType is the Content-Type of the Prometheus text format.
const TextContentType = "text/plain; version=0.0.4; charset=utf-8"

// MetricType is a Prometheus metric type.
type MetricType string

// Metric types used by the agent.
const (
	Gauge   MetricType = "gauge"
	Counter MetricType = "counter"
)

// Metric is one metric family.
type Metric struct {
	Name    string // [a-zA-Z_:][a-zA-Z0-9_:]*
	Help    string
	Type    MetricType
	Samples []Sample
}

// Sample is one value of a metric, with optional labels.
type Sample struct {
	Labels []Label
	Value  float64
}

// Label is a label pair; Name matches [a-zA-Z_][a-zA-Z0-9_]*.
type Label struct{ Name, Value string }

// ErrMetricName is returned by WriteText for an invalid metric or label name.
var ErrMetricName = errors.New("api: invalid metric or label name")

func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || colon && c == ':' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return false
		}
	}
	return true
}

// WriteText writes ms in the Prometheus text exposition format.
func WriteText(w io.Writer, ms []Metric) error {
	var b strings.Builder
	for _, m := range ms {
		if !validName(m.Name, true) {
			return fmt.Errorf("%w: metric %q", ErrMetricName, m.Name)
		}
		help := strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(m.Help)
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", m.Name, help, m.Name, m.Type)
		for _, s := range m.Samples {
			b.WriteString(m.Name)
			for i, l := range s.Labels {
				if !validName(l.Name, false) || strings.HasPrefix(l.Name, "__") {
					return fmt.Errorf("%w: label %q of %s", ErrMetricName, l.Name, m.Name)
				}
				if i == 0 {
					b.WriteByte('{')
				} else {
					b.WriteByte(',')
				}
				v := strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(l.Value)
				fmt.Fprintf(&b, `%s="%s"`, l.Name, v)
			}
			if len(s.Labels) > 0 {
				b.WriteByte('}')
			}
			b.WriteByte(' ')
			b.WriteString(formatValue(s.Value))
			b.WriteByte('\n')
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
