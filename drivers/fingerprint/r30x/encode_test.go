package r30x_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/vouchkiosk/vouch/drivers/fingerprint/fptest"
	"github.com/vouchkiosk/vouch/drivers/fingerprint/r30x"
	"github.com/vouchkiosk/vouch/internal/testenv"
)

func r30xVectorsExt(t testing.TB) []fptest.Vector {
	vs, err := fptest.LoadVectors(testenv.Shared(t, "docs", "fingerprint-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// fakeDevice returns a Device on an in-memory port whose peer answers every
// write with reply(written).
func fakeDevice(reply func([]byte) []byte) (*r30x.Device, *fptest.Port) {
	p := &fptest.Port{Reply: reply}
	return r30x.New(p, &r30x.Options{Timeouts: r30x.Timeouts{Reply: 100 * time.Millisecond, Flash: 100 * time.Millisecond, Packet: 100 * time.Millisecond, Quiet: 20 * time.Millisecond}}), p
}

// TestEncoderMatchesVectors checks that each driver call emits exactly the
// bytes of its H>M vector.
func TestEncoderMatchesVectors(t *testing.T) {
	v := map[string][]byte{}
	for _, vec := range r30xVectorsExt(t) {
		v[vec.ID], _ = vec.Bytes()
	}
	ok := v["A01"]
	calls := map[string]func(context.Context, *r30x.Device){
		"C01": func(ctx context.Context, d *r30x.Device) { d.VerifyPassword(ctx, 0) },
		"C02": func(ctx context.Context, d *r30x.Device) { d.VerifyPassword(ctx, 0x12345678) },
		"C04": func(ctx context.Context, d *r30x.Device) { d.SetAddress(ctx, 0xC0FFEE01) },
		"C05": func(ctx context.Context, d *r30x.Device) { d.SetSysParam(ctx, r30x.RegBaud, 12) },
		"C06": func(ctx context.Context, d *r30x.Device) { d.SetSysParam(ctx, r30x.RegSecurity, 3) },
		"C07": func(ctx context.Context, d *r30x.Device) { d.SetSysParam(ctx, r30x.RegPacketSize, 2) },
		"C08": func(ctx context.Context, d *r30x.Device) { d.ReadSysParams(ctx) },
		"C09": func(ctx context.Context, d *r30x.Device) { d.TemplateCount(ctx) },
		"C10": func(ctx context.Context, d *r30x.Device) { d.IndexTable(ctx, 0) },
		"C11": func(ctx context.Context, d *r30x.Device) { d.GenImage(ctx) },
		"C12": func(ctx context.Context, d *r30x.Device) { d.Image2Tz(ctx, 1) },
		"C13": func(ctx context.Context, d *r30x.Device) { d.Image2Tz(ctx, 2) },
		"C14": func(ctx context.Context, d *r30x.Device) { d.RegModel(ctx) },
		"C15": func(ctx context.Context, d *r30x.Device) { d.Store(ctx, 1, 5) },
		"C16": func(ctx context.Context, d *r30x.Device) { d.LoadChar(ctx, 1, 5) },
		"C17": func(ctx context.Context, d *r30x.Device) { d.UpChar(ctx, 1) },
		"C19": func(ctx context.Context, d *r30x.Device) { d.UpImage(ctx) },
		"C21": func(ctx context.Context, d *r30x.Device) { d.Delete(ctx, 5, 1) },
		"C22": func(ctx context.Context, d *r30x.Device) { d.Empty(ctx) },
		"C23": func(ctx context.Context, d *r30x.Device) { d.Match(ctx) },
		"C24": func(ctx context.Context, d *r30x.Device) { d.Search(ctx, 1, 0, 0xA3) },
		"C26": func(ctx context.Context, d *r30x.Device) { d.RandomCode(ctx) },
		"C30": func(ctx context.Context, d *r30x.Device) { d.SoftReset(ctx) },
		"C31": func(ctx context.Context, d *r30x.Device) { d.HandShake(ctx) },
		"C33": func(ctx context.Context, d *r30x.Device) {
			d.SetAura(ctx, r30x.Aura{Mode: r30x.AuraBreathing, Speed: 0x80, Color: r30x.AuraBlue})
		},
		"C34": func(ctx context.Context, d *r30x.Device) {
			d.SetAura(ctx, r30x.Aura{Mode: r30x.AuraOff, Color: r30x.AuraRed})
		},
		"C35": func(ctx context.Context, d *r30x.Device) {
			d.AutoEnroll(ctx, r30x.AutoEnrollOptions{ID: 3, RequireLift: true}, nil)
		},
		"C36": func(ctx context.Context, d *r30x.Device) {
			d.AutoIdentify(ctx, r30x.AutoIdentifyOptions{Level: 3, Count: 199, Attempts: 1}, nil)
		},
		"C37": func(ctx context.Context, d *r30x.Device) { d.CheckSensor(ctx) },
		"C38": func(ctx context.Context, d *r30x.Device) { d.ProductInfo(ctx) },
	}
	for id, call := range calls {
		t.Run(id, func(t *testing.T) {
			d, p := fakeDevice(func([]byte) []byte { return ok })
			call(context.Background(), d)
			got := p.Written()
			if !bytes.HasPrefix(got, v[id]) {
				t.Fatalf("driver wrote\n% X\nwant\n% X", got, v[id])
			}
		})
	}
	t.Run("C18 D05 D06 DownChar", func(t *testing.T) {
		d, p := fakeDevice(func(b []byte) []byte {
			if b[6] == byte(r30x.PIDCommand) {
				return ok
			}
			return nil
		})
		ctx := context.Background()
		// Announce 32-byte packets as in the D vectors.
		d.SetSysParam(ctx, r30x.RegPacketSize, 0)
		p.ResetWritten()
		data := make([]byte, 96)
		for i := range data {
			data[i] = byte(i)
		}
		if err := d.DownChar(ctx, 1, data); err != nil {
			t.Fatal(err)
		}
		mid := bytes.Clone(v["D03"])
		want := bytes.Join([][]byte{v["C18"], v["D05"], mid, v["D06"]}, nil)
		if got := p.Written(); !bytes.Equal(got, want) {
			t.Fatalf("DownChar wrote\n% X\nwant\n% X", got, want)
		}
	})
}
