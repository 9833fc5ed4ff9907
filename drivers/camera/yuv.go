package camera

import "fmt"

// Fixed-point YCbCr → RGB: coefficients scaled by 2^16 and rounded. With
// three rounded terms the error before the final rounding stays below
// 2^-14, so each channel is within one level of the exact result.
//
// BT.601 limited range (YUYV and I420 from cameras): Y in 16..235,
// Cb/Cr in 16..240.
//
//	R = 1.164383(Y-16) + 1.596027(Cr-128)
//	G = 1.164383(Y-16) - 0.391762(Cb-128) - 0.812968(Cr-128)
//	B = 1.164383(Y-16) + 2.017232(Cb-128)
const (
	limY  = 76309  // 1.164383
	limRV = 104597 // 1.596027
	limGU = 25675  // 0.391762
	limGV = 53279  // 0.812968
	limBU = 132201 // 2.017232
)

// JFIF full range (JPEG): Y, Cb and Cr in 0..255.
//
//	R = Y + 1.402(Cr-128)
//	G = Y - 0.344136(Cb-128) - 0.714136(Cr-128)
//	B = Y + 1.772(Cb-128)
const (
	fullRV = 91881  // 1.402
	fullGU = 22554  // 0.344136
	fullGV = 46802  // 0.714136
	fullBU = 116130 // 1.772
)

const half = 1 << 15 // rounding bias for >> 16

// clamp8 maps x>>16 to 0..255.
func clamp8(x int32) byte {
	x >>= 16
	if uint32(x) > 255 {
		return byte(^(x >> 31)) // 0 for negative, 255 for too large
	}
	return byte(x)
}

// YUYVToRGB converts a w×h YUYV (Y0 U Y1 V) image to packed RGB.
// src rows are srcStride bytes apart and need 4 bytes per pixel pair (an
// odd width uses the first luma sample of the last pair); dst rows are
// dstStride bytes apart with 3 bytes per pixel.
func YUYVToRGB(dst []byte, dstStride int, src []byte, srcStride, w, h int) error {
	if err := checkSize(w, h); err != nil {
		return err
	}
	rowIn := 4 * ((w + 1) / 2)
	if srcStride < rowIn || dstStride < 3*w {
		return fmt.Errorf("%w: strides %d/%d for YUYV width %d", ErrSize, srcStride, dstStride, w)
	}
	if need := (h-1)*srcStride + rowIn; len(src) < need {
		return fmt.Errorf("%w: YUYV %dx%d needs %d bytes, have %d", ErrShortFrame, w, h, need, len(src))
	}
	if need := (h-1)*dstStride + 3*w; len(dst) < need {
		return fmt.Errorf("%w: RGB %dx%d needs %d bytes, have %d", ErrSize, w, h, need, len(dst))
	}
	for y := range h {
		s := src[y*srcStride : y*srcStride+rowIn]
		d := dst[y*dstStride : y*dstStride+3*w]
		yuyvRow(d, s)
	}
	return nil
}

// yuyvRow converts one row; len(d) = 3*w, len(s) = 4*ceil(w/2).
func yuyvRow(d, s []byte) {
	for len(s) >= 4 && len(d) >= 6 {
		u, v := int32(s[1])-128, int32(s[3])-128
		rv := limRV*v + half
		guv := -limGU*u - limGV*v + half
		bu := limBU*u + half
		y0 := limY * (int32(s[0]) - 16)
		y1 := limY * (int32(s[2]) - 16)
		d[0], d[1], d[2] = clamp8(y0+rv), clamp8(y0+guv), clamp8(y0+bu)
		d[3], d[4], d[5] = clamp8(y1+rv), clamp8(y1+guv), clamp8(y1+bu)
		s, d = s[4:], d[6:]
	}
	if len(d) == 3 && len(s) >= 4 { // odd width: last pixel alone
		u, v := int32(s[1])-128, int32(s[3])-128
		y0 := limY * (int32(s[0]) - 16)
		d[0], d[1], d[2] = clamp8(y0+limRV*v+half), clamp8(y0-limGU*u-limGV*v+half), clamp8(y0+limBU*u+half)
	}
}

// I420Size returns the byte size of a w×h I420 frame whose luma rows are
// stride bytes apart (chroma rows stride/2, rounded up): the layout
// rpicam-vid --codec yuv420 writes.
func I420Size(w, h, stride int) int {
	cs := (stride + 1) / 2
	return stride*h + 2*cs*((h+1)/2)
}

// I420ToRGB converts a w×h planar 4:2:0 image (Y plane, then U, then V;
// luma stride yStride, chroma stride (yStride+1)/2) to packed RGB.
func I420ToRGB(dst []byte, dstStride int, src []byte, yStride, w, h int) error {
	if err := checkSize(w, h); err != nil {
		return err
	}
	if yStride < w || dstStride < 3*w {
		return fmt.Errorf("%w: strides %d/%d for I420 width %d", ErrSize, yStride, dstStride, w)
	}
	if need := I420Size(w, h, yStride); len(src) < need {
		return fmt.Errorf("%w: I420 %dx%d needs %d bytes, have %d", ErrShortFrame, w, h, need, len(src))
	}
	if need := (h-1)*dstStride + 3*w; len(dst) < need {
		return fmt.Errorf("%w: RGB %dx%d needs %d bytes, have %d", ErrSize, w, h, need, len(dst))
	}
	cs, ch := (yStride+1)/2, (h+1)/2
	cw := (w + 1) / 2
	yp, up, vp := src[:yStride*h], src[yStride*h:yStride*h+cs*ch], src[yStride*h+cs*ch:yStride*h+2*cs*ch]
	for y := range h {
		ys := yp[y*yStride : y*yStride+w]
		us := up[(y/2)*cs : (y/2)*cs+cw]
		vs := vp[(y/2)*cs : (y/2)*cs+cw]
		d := dst[y*dstStride : y*dstStride+3*w]
		for x := range w {
			u, v := int32(us[x/2])-128, int32(vs[x/2])-128
			yy := limY * (int32(ys[x]) - 16)
			p := d[3*x : 3*x+3]
			p[0] = clamp8(yy + limRV*v + half)
			p[1] = clamp8(yy - limGU*u - limGV*v + half)
			p[2] = clamp8(yy + limBU*u + half)
		}
	}
	return nil
}

// fullYCbCr converts one full-range (JFIF) sample to RGB.
func fullYCbCr(y, cb, cr byte) (r, g, b byte) {
	yy := int32(y)<<16 + half
	u, v := int32(cb)-128, int32(cr)-128
	return clamp8(yy + fullRV*v), clamp8(yy - fullGU*u - fullGV*v), clamp8(yy + fullBU*u)
}
