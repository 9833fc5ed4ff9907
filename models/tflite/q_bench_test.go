package tflite

import (
	"context"
	"testing"

	"github.com/vouchkiosk/vouch/models/tflite/internal/tfschema"
)

// BenchmarkQuant times the integer kernels on MobileNet-sized layers and
// reports GMAC/s.
func BenchmarkQuant(b *testing.B) {
	const conv, dw = tfschema.BuiltinOperatorCONV_2D, tfschema.BuiltinOperatorDEPTHWISE_CONV_2D
	for _, c := range []qCase{
		convCase("conv3x3/int8", conv, Int8, true, []int{1, 32, 32, 32}, 3, 3, 32, paddingSame, 1, 1, 0, actRelu6, 1),
		convCase("conv1x1/int8", conv, Int8, true, []int{1, 32, 32, 64}, 1, 1, 64, paddingValid, 1, 1, 0, actNone, 2),
		convCase("conv3x3/uint8", conv, Uint8, false, []int{1, 32, 32, 32}, 3, 3, 32, paddingSame, 1, 1, 0, actRelu, 3),
		convCase("dw3x3/int8", dw, Int8, true, []int{1, 64, 64, 64}, 3, 3, 0, paddingSame, 1, 1, 1, actNone, 4),
		fcCase("fc/int8", Int8, true, 1, 1024, 512, actNone, 5),
	} {
		b.Run(c.name, func(b *testing.B) {
			c := constWeights(c)
			ip := mustInterp(b, c.model.build(), nil)
			for i, in := range c.inputs {
				copy(ip.Input(i).q, in)
			}
			ctx := context.Background()
			b.ResetTimer()
			for range b.N {
				_ = ip.Invoke(ctx)
			}
			b.ReportMetric(float64(ip.MACs())*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
		})
	}
}
