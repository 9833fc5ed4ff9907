package tflite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// TestMobileFaceNetBatch1 re-plans MobileFaceNet (batch 2 in the file) for
// one face and checks each golden row on its own.
func TestMobileFaceNetBatch1(t *testing.T) {
	dir, _ := loadGolden(t)
	m, err := Load(modelBytes(t, "mobilefacenet"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.InputIndices(); len(got) != 1 || got[0] != 368 {
		t.Fatalf("input indices %v, want [368]", got)
	}
	ip, err := NewInterpreter(m, &Options{Batch: 1})
	if err != nil {
		t.Fatalf("NewInterpreter(Batch 1): %v", err)
	}
	if got := ip.Output(0).Shape(); !equalShape(got, []int{1, 192}) {
		t.Fatalf("output shape %v, want [1 192]", got)
	}
	ip2, err := NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ip.MACs()*2 != ip2.MACs() || ip.ArenaBytes() >= ip2.ArenaBytes() {
		t.Errorf("batch 1: %d MACs, %d arena bytes; batch 2: %d, %d", ip.MACs(), ip.ArenaBytes(), ip2.MACs(), ip2.ArenaBytes())
	}
	in := readF32(t, filepath.Join(dir, "embed/pair00.input.f32"), 2*112*112*3)
	want := readF32(t, filepath.Join(dir, "embed/pair00.embeddings.f32"), 2*192)
	for row := 0; row < 2; row++ {
		copy(ip.Input(0).Float32s(), in[row*112*112*3:])
		invoke(t, ip)
		compareClose(t, "embeddings", ip.Output(0).Float32s(), want[row*192:(row+1)*192])
		if c := cosine(ip.Output(0).Float32s(), want[row*192:(row+1)*192]); c < 0.99999 {
			t.Errorf("row %d: cosine %.9f", row, c)
		}
	}
}

func TestInvokeAllocs(t *testing.T) {
	m, err := Load(modelBytes(t, "face_detection_short_range"))
	if err != nil {
		t.Fatal(err)
	}
	ip, err := NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	invoke(t, ip)
	if n := testing.AllocsPerRun(3, func() { _ = ip.Invoke(ctx) }); n != 0 {
		t.Fatalf("Invoke allocates %v times per run, want 0", n)
	}
}

func TestInvokeCancelled(t *testing.T) {
	ip := mustInterp(t, func() []byte { m := convModel(); return m.build() }(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := ip.Invoke(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Invoke(cancelled) = %v", err)
	}
}

func TestTensorAccessors(t *testing.T) {
	m := convModel()
	ip := mustInterp(t, m.build(), nil)
	if ip.InputCount() != 1 || ip.OutputCount() != 1 || ip.Input(1) != nil || ip.Output(-1) != nil {
		t.Fatal("counts or range checks wrong")
	}
	in, err := ip.InputByName("input")
	if err != nil || in != ip.Input(0) || in.Type() != Float32 || !equalShape(in.Shape(), []int{1, 4, 4, 2}) || in.Index() != 0 {
		t.Fatalf("InputByName: %v %v", in, err)
	}
	if _, err := ip.OutputByName("input"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("OutputByName(input) = %v", err)
	}
	out, _ := ip.OutputByName("output")
	if out.Name() != "output" || out.Len() != 48 {
		t.Fatalf("output %q len %d", out.Name(), out.Len())
	}
	// Inputs survive Invoke: the arena never reuses them.
	for i := range in.Float32s() {
		in.Float32s()[i] = float32(i)
	}
	invoke(t, ip)
	for i, v := range in.Float32s() {
		if v != float32(i) {
			t.Fatalf("input element %d changed to %g by Invoke", i, v)
		}
	}
}

// TestArenaSharing checks that a chain of operators reuses memory: with
// lifetimes of two steps, the arena holds fewer tensors than the chain.
func TestArenaSharing(t *testing.T) {
	m := tModel{inputs: []int{0}}
	s := []int{1, 64}
	m.tensors = append(m.tensors, tTensor{name: "x0", typ: Float32, shape: s})
	for i := 1; i <= 8; i++ {
		m.tensors = append(m.tensors, tTensor{name: "x" + string(rune('0'+i)), typ: Float32, shape: s})
		m.ops = append(m.ops, tOp{code: 19 /* RELU */, in: []int{i - 1}, out: []int{i}})
	}
	m.outputs = []int{8}
	ip := mustInterp(t, m.build(), nil)
	if got, max := ip.ArenaBytes(), int64(4*64*4); got > max {
		t.Fatalf("arena %d bytes for a chain of 9 tensors of 256 bytes, want ≤ %d", got, max)
	}
	for i := range ip.Input(0).Float32s() {
		ip.Input(0).Float32s()[i] = float32(i - 32)
	}
	invoke(t, ip)
	for i, v := range ip.Output(0).Float32s() {
		if want := max(float32(i-32), 0); v != want {
			t.Fatalf("element %d = %g, want %g", i, v, want)
		}
	}
}
