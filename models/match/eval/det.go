package eval

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// DET plot geometry: probit axes from detMin to detMax on both rates.
const (
	detW, detH       = 640, 600
	detLeft, detTop  = 70, 40
	detRight, detBot = 20, 60
	detMin, detMax   = 1e-4, 0.5
)

// Plot colours (R, G, B packed as 0xRRGGBB).
const (
	colGrid  = 0xdcdcdc
	colAxis  = 0x000000
	colCurve = 0x1450c8
	colDiag  = 0xa0a0a0
	colPoint = 0xc82828
)

func rgb(c uint32) color.RGBA { return color.RGBA{uint8(c >> 16), uint8(c >> 8), uint8(c), 255} }

// probit is the standard normal quantile.
func probit(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// WriteDET draws the detection error trade-off curve (FNMR against FMR on
// normal-deviate axes, 1e-4 … 0.5) as a PNG. Rates of zero are drawn on the
// axis edge. marks are highlighted operating points.
func WriteDET(w io.Writer, sc Scores, title string, marks []Point) error {
	if len(sc.Genuine) == 0 || len(sc.Impostor) == 0 {
		return fmt.Errorf("%w: nothing to plot", ErrTooFew)
	}
	img := image.NewRGBA(image.Rect(0, 0, detW, detH))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	pw, ph := detW-detLeft-detRight, detH-detTop-detBot
	zmin, zmax := probit(detMin), probit(detMax)
	px := func(p float64) float64 {
		p = min(max(p, detMin), detMax)
		return float64(detLeft) + (probit(p)-zmin)/(zmax-zmin)*float64(pw)
	}
	py := func(p float64) float64 {
		p = min(max(p, detMin), detMax)
		return float64(detTop+ph) - (probit(p)-zmin)/(zmax-zmin)*float64(ph)
	}
	ticks := []float64{1e-4, 1e-3, 1e-2, 0.05, 0.1, 0.2, 0.5}
	labels := []string{"1e-4", "1e-3", "1%", "5%", "10%", "20%", "50%"}
	for i, t := range ticks {
		x, y := int(px(t)), int(py(t))
		line(img, float64(x), float64(detTop), float64(x), float64(detTop+ph), colGrid, 1)
		line(img, float64(detLeft), float64(y), float64(detLeft+pw), float64(y), colGrid, 1)
		text(img, x-len(labels[i])*7/2, detTop+ph+18, labels[i])
		text(img, detLeft-8-len(labels[i])*7, y+4, labels[i])
	}
	line(img, px(detMin), py(detMin), px(detMax), py(detMax), colDiag, 1)
	box := [][4]float64{{0, 0, 1, 0}, {0, 0, 0, 1}, {1, 0, 1, 1}, {0, 1, 1, 1}}
	for _, b := range box {
		line(img, float64(detLeft)+b[0]*float64(pw), float64(detTop)+b[1]*float64(ph),
			float64(detLeft)+b[2]*float64(pw), float64(detTop)+b[3]*float64(ph), colAxis, 1)
	}
	// One point per distinct threshold, from strict to lenient.
	ts := make([]float64, 0, len(sc.Genuine)+len(sc.Impostor))
	ts = append(ts, sc.Genuine...)
	for _, v := range sc.Impostor {
		ts = append(ts, math.Nextafter(v, math.Inf(1)))
	}
	sortDesc(ts)
	var lx, ly float64
	for i, t := range ts {
		x, y := px(sc.FMR(t)), py(sc.FNMR(t))
		if i > 0 {
			line(img, lx, ly, lx, y, colCurve, 2) // DET curves of finite sets are staircases
			line(img, lx, y, x, y, colCurve, 2)
		}
		lx, ly = x, y
	}
	for _, m := range marks {
		disc(img, px(max(m.FMR, detMin)), py(max(m.FNMR, detMin)), 4, colPoint)
	}
	text(img, detLeft, 24, title)
	text(img, detLeft+pw/2-90, detH-16, "false match rate (FMR)")
	text(img, 4, detTop-8, "FNMR")
	return png.Encode(w, img)
}

func sortDesc(v []float64) {
	slices.Sort(v)
	slices.Reverse(v)
}

func line(img *image.RGBA, x0, y0, x1, y1 float64, col uint32, width int) {
	c := rgb(col)
	steps := int(math.Max(math.Abs(x1-x0), math.Abs(y1-y0))) + 1
	for s := 0; s <= steps; s++ {
		f := float64(s) / float64(steps)
		x, y := int(math.Round(x0+(x1-x0)*f)), int(math.Round(y0+(y1-y0)*f))
		for dx := 0; dx < width; dx++ {
			for dy := 0; dy < width; dy++ {
				img.SetRGBA(x+dx, y+dy, c)
			}
		}
	}
}

func disc(img *image.RGBA, cx, cy, r float64, col uint32) {
	c := rgb(col)
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if math.Hypot(float64(x)-cx, float64(y)-cy) <= r {
				img.SetRGBA(x, y, c)
			}
		}
	}
}

func text(img *image.RGBA, x, y int, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(rgb(colAxis)), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}
