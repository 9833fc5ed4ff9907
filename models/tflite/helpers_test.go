package tflite

import (
	"context"
	"testing"
)

func mustInterp(t testing.TB, b []byte, opts *Options) *Interpreter {
	t.Helper()
	m, err := Load(b)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ip, err := NewInterpreter(m, opts)
	if err != nil {
		t.Fatalf("NewInterpreter: %v", err)
	}
	return ip
}

func invoke(t testing.TB, ip *Interpreter) {
	t.Helper()
	if err := ip.Invoke(context.Background()); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
}
