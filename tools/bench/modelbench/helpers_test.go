package modelbench

import (
	"testing"

	"github.com/vouchkiosk/vouch/models/tflite"
)

func mustInterpreter(t *testing.T, data []byte) *tflite.Interpreter {
	t.Helper()
	m, err := tflite.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	ip, err := tflite.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return ip
}
