//go:build !purego

#include "textflag.h"

// func gemm6x16SIMD(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)
//
// Accumulators: Y0..Y11 hold rows 0..5 of the tile, two vectors per row.
// Rows 0-2 of A are addressed from SI, rows 3-5 from BX (= SI + 3·lda).
// With clamp != 0 the tile is clamped before the store as addClampSIMD
// does it (MAXPS then MINPS, which give lo for NaN and −0 when lo = 0).
TEXT ·gemm6x16SIMD(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ b+24(FP), DI
	MOVQ bias+32(FP), R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10

	LEAQ (SI)(R8*2), BX
	ADDQ R8, BX

	VMOVUPS (R9), Y0
	VMOVUPS 32(R9), Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y1, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y1, Y5
	VMOVAPS Y0, Y6
	VMOVAPS Y1, Y7
	VMOVAPS Y0, Y8
	VMOVAPS Y1, Y9
	VMOVAPS Y0, Y10
	VMOVAPS Y1, Y11

	TESTQ CX, CX
	JEQ   store

loop:
	VMOVUPS      (DI), Y12
	VMOVUPS      32(DI), Y13
	VBROADCASTSS (SI), Y14
	VBROADCASTSS (SI)(R8*1), Y15
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (SI)(R8*2), Y14
	VBROADCASTSS (BX), Y15
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (BX)(R8*1), Y14
	VBROADCASTSS (BX)(R8*2), Y15
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11
	ADDQ         $4, SI
	ADDQ         $4, BX
	ADDQ         $64, DI
	DECQ         CX
	JNE          loop

store:
	MOVQ         clamp+64(FP), CX
	TESTQ        CX, CX
	JEQ          nostore
	VBROADCASTSS lo+56(FP), Y14
	VBROADCASTSS hi+60(FP), Y15
	VMAXPS       Y14, Y0, Y0
	VMAXPS       Y14, Y1, Y1
	VMAXPS       Y14, Y2, Y2
	VMAXPS       Y14, Y3, Y3
	VMAXPS       Y14, Y4, Y4
	VMAXPS       Y14, Y5, Y5
	VMAXPS       Y14, Y6, Y6
	VMAXPS       Y14, Y7, Y7
	VMAXPS       Y14, Y8, Y8
	VMAXPS       Y14, Y9, Y9
	VMAXPS       Y14, Y10, Y10
	VMAXPS       Y14, Y11, Y11
	VMINPS       Y15, Y0, Y0
	VMINPS       Y15, Y1, Y1
	VMINPS       Y15, Y2, Y2
	VMINPS       Y15, Y3, Y3
	VMINPS       Y15, Y4, Y4
	VMINPS       Y15, Y5, Y5
	VMINPS       Y15, Y6, Y6
	VMINPS       Y15, Y7, Y7
	VMINPS       Y15, Y8, Y8
	VMINPS       Y15, Y9, Y9
	VMINPS       Y15, Y10, Y10
	VMINPS       Y15, Y11, Y11

nostore:
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y8, (DX)
	VMOVUPS Y9, 32(DX)
	ADDQ    R10, DX
	VMOVUPS Y10, (DX)
	VMOVUPS Y11, 32(DX)
	VZEROUPPER
	RET

// func dwRowSIMD(dst, x, w *float32, npix, c, xstride int)
//
// For p < npix, ch < c: dst[p·c + ch] += x[p·xstride + ch] · w[ch].
TEXT ·dwRowSIMD(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ npix+24(FP), R8
	MOVQ c+32(FP), R9
	MOVQ xstride+40(FP), R10
	SHLQ $2, R10
	TESTQ R8, R8
	JEQ   rdone

pix:
	MOVQ SI, R11 // x of this pixel
	MOVQ DX, R12 // w
	MOVQ R9, CX

r8:
	CMPQ        CX, $8
	JLT         rtail
	VMOVUPS     (DI), Y0
	VMOVUPS     (R11), Y1
	VFMADD231PS (R12), Y1, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, DI
	ADDQ        $32, R11
	ADDQ        $32, R12
	SUBQ        $8, CX
	JMP         r8

rtail:
	TESTQ       CX, CX
	JEQ         rnext
	VMOVSS      (DI), X0
	VMOVSS      (R11), X1
	VFMADD231SS (R12), X1, X0
	VMOVSS      X0, (DI)
	ADDQ        $4, DI
	ADDQ        $4, R11
	ADDQ        $4, R12
	DECQ        CX
	JMP         rtail

rnext:
	ADDQ R10, SI
	DECQ R8
	JNE  pix

rdone:
	VZEROUPPER
	RET

// func preluSIMD(out, x, alpha *float32, npix, c int)
//
// For p < npix, ch < c, with v = x[p·c + ch]:
// out[p·c + ch] = relu(v) + alpha[ch]·(v − |v|), relu(v) = v if v > 0 else +0,
// each step rounded to float32 (no FMA), as preluFused's Go loop does.
TEXT ·preluSIMD(SB), NOSPLIT, $0-40
	MOVQ         out+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         alpha+16(FP), DX
	MOVQ         npix+24(FP), R8
	MOVQ         c+32(FP), R9
	VXORPS       Y15, Y15, Y15
	MOVL         $0x7fffffff, AX
	MOVL         AX, X14
	VPBROADCASTD X14, Y14
	TESTQ        R8, R8
	JEQ          pdone

ppix:
	MOVQ DX, R12
	MOVQ R9, CX

p8:
	CMPQ    CX, $8
	JLT     ptail
	VMOVUPS (SI), Y0
	VCMPPS  $14, Y15, Y0, Y1
	VANDPS  Y0, Y1, Y2
	VANDPS  Y14, Y0, Y3
	VSUBPS  Y3, Y0, Y4
	VMULPS  (R12), Y4, Y5
	VADDPS  Y5, Y2, Y6
	VMOVUPS Y6, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, R12
	SUBQ    $8, CX
	JMP     p8

ptail:
	TESTQ  CX, CX
	JEQ    pnext
	VMOVSS (SI), X0
	VCMPSS $14, X15, X0, X1
	VANDPS X0, X1, X2
	VANDPS X14, X0, X3
	VSUBSS X3, X0, X4
	VMULSS (R12), X4, X5
	VADDSS X5, X2, X6
	VMOVSS X6, (DI)
	ADDQ   $4, DI
	ADDQ   $4, SI
	ADDQ   $4, R12
	DECQ   CX
	JMP    ptail

pnext:
	DECQ R8
	JNE  ppix

pdone:
	VZEROUPPER
	RET

// func addClampSIMD(out, a, b *float32, n int, lo, hi float32, clamp int)
//
// out[i] = a[i] + b[i] for i < n; if clamp != 0 the sum is then clamped
// as clamp(v, lo, hi) in k_elementwise.go: MAXPS returns its second source
// (lo) for a NaN or an equal zero, MINPS its second source (hi) on ties.
TEXT ·addClampSIMD(SB), NOSPLIT, $0-48
	MOVQ         out+0(FP), DI
	MOVQ         a+8(FP), SI
	MOVQ         b+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS lo+32(FP), Y14
	VBROADCASTSS hi+36(FP), Y15
	MOVQ         clamp+40(FP), R8
	TESTQ        R8, R8
	JNE          c8

a8:
	CMPQ    CX, $8
	JLT     atail
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     a8

atail:
	TESTQ  CX, CX
	JEQ    adone
	VMOVSS (SI), X0
	VADDSS (DX), X0, X0
	VMOVSS X0, (DI)
	ADDQ   $4, DI
	ADDQ   $4, SI
	ADDQ   $4, DX
	DECQ   CX
	JMP    atail

c8:
	CMPQ    CX, $8
	JLT     ctail
	VMOVUPS (SI), Y0
	VADDPS  (DX), Y0, Y0
	VMAXPS  Y14, Y0, Y0
	VMINPS  Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $32, DX
	SUBQ    $8, CX
	JMP     c8

ctail:
	TESTQ  CX, CX
	JEQ    adone
	VMOVSS (SI), X0
	VADDSS (DX), X0, X0
	VMAXSS X14, X0, X0
	VMINSS X15, X0, X0
	VMOVSS X0, (DI)
	ADDQ   $4, DI
	ADDQ   $4, SI
	ADDQ   $4, DX
	DECQ   CX
	JMP    ctail

adone:
	VZEROUPPER
	RET

// func dw3x3SIMD(out, in, w, bias *float32, npix, c, cv, xstep, rs int, lo, hi float32, clamp int)
//
// A 3x3, dilation-1 depthwise convolution over npix output pixels whose
// taps are all inside the input, for channels ch < cv (a multiple of 4):
//
//	out[p·c + ch] = bias[ch] + Σ_{ky,kx} in[ky·rs + p·xstep + kx·c + ch] · w[(ky·3+kx)·c + ch]
//
// summed in ky, kx order with FMA (as dwRowSIMD does tap by tap), then
// clamped as addClampSIMD does when clamp != 0. The nine weight vectors of
// an 8-channel slice (a 4-channel one, in X registers, for the last four
// channels when cv mod 8 = 4) stay in registers 0–8 while four pixels at a
// time accumulate in 9–12.
TEXT ·dw3x3SIMD(SB), NOSPLIT, $0-88
	MOVQ         out+0(FP), DI
	MOVQ         in+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         bias+24(FP), BX
	MOVQ         c+40(FP), R9
	SHLQ         $2, R9          // c in bytes: the tap step along x and in w
	MOVQ         xstep+56(FP), R10
	SHLQ         $2, R10         // input step between output pixels
	MOVQ         rs+64(FP), R11
	SHLQ         $2, R11         // input row stride
	VBROADCASTSS lo+72(FP), Y13
	VBROADCASTSS hi+76(FP), Y14
	XORQ         AX, AX          // channel offset in bytes

chunk:
	MOVQ cv+48(FP), CX
	SHLQ $2, CX
	SUBQ AX, CX // bytes of channels left
	CMPQ CX, $32
	JGE  body8
	CMPQ CX, $16
	JGE  body4
	VZEROUPPER
	RET

body8:
	// Weights of this slice: tap t at w + t·c + ch.
	LEAQ    (DX)(AX*1), R12
	VMOVUPS (R12), Y0
	VMOVUPS (R12)(R9*1), Y1
	VMOVUPS (R12)(R9*2), Y2
	LEAQ    (R12)(R9*2), R12
	ADDQ    R9, R12
	VMOVUPS (R12), Y3
	VMOVUPS (R12)(R9*1), Y4
	VMOVUPS (R12)(R9*2), Y5
	LEAQ    (R12)(R9*2), R12
	ADDQ    R9, R12
	VMOVUPS (R12), Y6
	VMOVUPS (R12)(R9*1), Y7
	VMOVUPS (R12)(R9*2), Y8

	LEAQ (SI)(AX*1), R12 // input row 0 at pixel p
	LEAQ (DI)(AX*1), R13 // output at pixel p
	MOVQ npix+32(FP), R8

quad8:
	CMPQ    R8, $4
	JLT     single8
	LEAQ    (R12)(R11*1), R14 // row 1; row 2 is R14 + rs
	VMOVUPS (BX)(AX*1), Y9
	VMOVAPS Y9, Y10
	VMOVAPS Y9, Y11
	VMOVAPS Y9, Y12

	// Each tap: four pixels xstep apart.
	MOVQ R12, CX
	VFMADD231PS (CX), Y0, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y0, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y0, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y0, Y12
	LEAQ (R12)(R9*1), CX
	VFMADD231PS (CX), Y1, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y1, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y1, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y1, Y12
	LEAQ (R12)(R9*2), CX
	VFMADD231PS (CX), Y2, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y2, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y2, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y2, Y12
	MOVQ R14, CX
	VFMADD231PS (CX), Y3, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y3, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y3, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y3, Y12
	LEAQ (R14)(R9*1), CX
	VFMADD231PS (CX), Y4, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y4, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y4, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y4, Y12
	LEAQ (R14)(R9*2), CX
	VFMADD231PS (CX), Y5, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y5, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y5, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y5, Y12
	LEAQ (R14)(R11*1), CX
	VFMADD231PS (CX), Y6, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y6, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y6, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y6, Y12
	LEAQ (R14)(R11*1), CX
	ADDQ R9, CX
	VFMADD231PS (CX), Y7, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y7, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y7, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y7, Y12
	LEAQ (R14)(R11*1), CX
	LEAQ (CX)(R9*2), CX
	VFMADD231PS (CX), Y8, Y9
	ADDQ        R10, CX
	VFMADD231PS (CX), Y8, Y10
	ADDQ        R10, CX
	VFMADD231PS (CX), Y8, Y11
	ADDQ        R10, CX
	VFMADD231PS (CX), Y8, Y12

	MOVQ   clamp+80(FP), CX
	TESTQ  CX, CX
	JEQ    qstore8
	VMAXPS Y13, Y9, Y9
	VMINPS Y14, Y9, Y9
	VMAXPS Y13, Y10, Y10
	VMINPS Y14, Y10, Y10
	VMAXPS Y13, Y11, Y11
	VMINPS Y14, Y11, Y11
	VMAXPS Y13, Y12, Y12
	VMINPS Y14, Y12, Y12

qstore8:
	VMOVUPS Y9, (R13)
	ADDQ    R9, R13
	VMOVUPS Y10, (R13)
	ADDQ    R9, R13
	VMOVUPS Y11, (R13)
	ADDQ    R9, R13
	VMOVUPS Y12, (R13)
	ADDQ    R9, R13
	LEAQ    (R12)(R10*4), R12
	SUBQ    $4, R8
	JMP     quad8

single8:
	TESTQ       R8, R8
	JEQ         next8
	LEAQ        (R12)(R11*1), R14
	LEAQ        (R14)(R11*1), CX
	VMOVUPS     (BX)(AX*1), Y9
	VFMADD231PS (R12), Y0, Y9
	VFMADD231PS (R12)(R9*1), Y1, Y9
	VFMADD231PS (R12)(R9*2), Y2, Y9
	VFMADD231PS (R14), Y3, Y9
	VFMADD231PS (R14)(R9*1), Y4, Y9
	VFMADD231PS (R14)(R9*2), Y5, Y9
	VFMADD231PS (CX), Y6, Y9
	VFMADD231PS (CX)(R9*1), Y7, Y9
	VFMADD231PS (CX)(R9*2), Y8, Y9
	MOVQ        clamp+80(FP), CX
	TESTQ       CX, CX
	JEQ         sstore8
	VMAXPS      Y13, Y9, Y9
	VMINPS      Y14, Y9, Y9

sstore8:
	VMOVUPS Y9, (R13)
	ADDQ    R9, R13
	ADDQ    R10, R12
	DECQ    R8
	JMP     single8

next8:
	ADDQ $32, AX
	JMP  chunk

body4:
	// Weights of this slice: tap t at w + t·c + ch.
	LEAQ    (DX)(AX*1), R12
	VMOVUPS (R12), X0
	VMOVUPS (R12)(R9*1), X1
	VMOVUPS (R12)(R9*2), X2
	LEAQ    (R12)(R9*2), R12
	ADDQ    R9, R12
	VMOVUPS (R12), X3
	VMOVUPS (R12)(R9*1), X4
	VMOVUPS (R12)(R9*2), X5
	LEAQ    (R12)(R9*2), R12
	ADDQ    R9, R12
	VMOVUPS (R12), X6
	VMOVUPS (R12)(R9*1), X7
	VMOVUPS (R12)(R9*2), X8

	LEAQ (SI)(AX*1), R12 // input row 0 at pixel p
	LEAQ (DI)(AX*1), R13 // output at pixel p
	MOVQ npix+32(FP), R8

quad4:
	CMPQ    R8, $4
	JLT     single4
	LEAQ    (R12)(R11*1), R14 // row 1; row 2 is R14 + rs
	VMOVUPS (BX)(AX*1), X9
	VMOVAPS X9, X10
	VMOVAPS X9, X11
	VMOVAPS X9, X12

	// Each tap: four pixels xstep apart.
	MOVQ R12, CX
	VFMADD231PS (CX), X0, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X0, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X0, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X0, X12
	LEAQ (R12)(R9*1), CX
	VFMADD231PS (CX), X1, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X1, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X1, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X1, X12
	LEAQ (R12)(R9*2), CX
	VFMADD231PS (CX), X2, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X2, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X2, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X2, X12
	MOVQ R14, CX
	VFMADD231PS (CX), X3, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X3, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X3, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X3, X12
	LEAQ (R14)(R9*1), CX
	VFMADD231PS (CX), X4, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X4, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X4, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X4, X12
	LEAQ (R14)(R9*2), CX
	VFMADD231PS (CX), X5, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X5, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X5, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X5, X12
	LEAQ (R14)(R11*1), CX
	VFMADD231PS (CX), X6, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X6, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X6, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X6, X12
	LEAQ (R14)(R11*1), CX
	ADDQ R9, CX
	VFMADD231PS (CX), X7, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X7, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X7, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X7, X12
	LEAQ (R14)(R11*1), CX
	LEAQ (CX)(R9*2), CX
	VFMADD231PS (CX), X8, X9
	ADDQ        R10, CX
	VFMADD231PS (CX), X8, X10
	ADDQ        R10, CX
	VFMADD231PS (CX), X8, X11
	ADDQ        R10, CX
	VFMADD231PS (CX), X8, X12

	MOVQ   clamp+80(FP), CX
	TESTQ  CX, CX
	JEQ    qstore4
	VMAXPS X13, X9, X9
	VMINPS X14, X9, X9
	VMAXPS X13, X10, X10
	VMINPS X14, X10, X10
	VMAXPS X13, X11, X11
	VMINPS X14, X11, X11
	VMAXPS X13, X12, X12
	VMINPS X14, X12, X12

qstore4:
	VMOVUPS X9, (R13)
	ADDQ    R9, R13
	VMOVUPS X10, (R13)
	ADDQ    R9, R13
	VMOVUPS X11, (R13)
	ADDQ    R9, R13
	VMOVUPS X12, (R13)
	ADDQ    R9, R13
	LEAQ    (R12)(R10*4), R12
	SUBQ    $4, R8
	JMP     quad4

single4:
	TESTQ       R8, R8
	JEQ         next4
	LEAQ        (R12)(R11*1), R14
	LEAQ        (R14)(R11*1), CX
	VMOVUPS     (BX)(AX*1), X9
	VFMADD231PS (R12), X0, X9
	VFMADD231PS (R12)(R9*1), X1, X9
	VFMADD231PS (R12)(R9*2), X2, X9
	VFMADD231PS (R14), X3, X9
	VFMADD231PS (R14)(R9*1), X4, X9
	VFMADD231PS (R14)(R9*2), X5, X9
	VFMADD231PS (CX), X6, X9
	VFMADD231PS (CX)(R9*1), X7, X9
	VFMADD231PS (CX)(R9*2), X8, X9
	MOVQ        clamp+80(FP), CX
	TESTQ       CX, CX
	JEQ         sstore4
	VMAXPS      X13, X9, X9
	VMINPS      X14, X9, X9

sstore4:
	VMOVUPS X9, (R13)
	ADDQ    R9, R13
	ADDQ    R10, R12
	DECQ    R8
	JMP     single4

next4:
	ADDQ $16, AX
	JMP  chunk

// func gemm6x8SIMD(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)
//
// gemm6x16SIMD for an 8-wide panel (b[kk·8 + j]): one accumulator per row,
// Y0..Y5.
TEXT ·gemm6x8SIMD(SB), NOSPLIT, $0-72
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ b+24(FP), DI
	MOVQ bias+32(FP), R9
	MOVQ c+40(FP), DX
	MOVQ ldc+48(FP), R10
	SHLQ $2, R10

	LEAQ (SI)(R8*2), BX
	ADDQ R8, BX

	VMOVUPS (R9), Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y0, Y5

	TESTQ CX, CX
	JEQ   store8

loop8:
	VMOVUPS      (DI), Y12
	VBROADCASTSS (SI), Y6
	VBROADCASTSS (SI)(R8*1), Y7
	VBROADCASTSS (SI)(R8*2), Y8
	VBROADCASTSS (BX), Y9
	VBROADCASTSS (BX)(R8*1), Y10
	VBROADCASTSS (BX)(R8*2), Y11
	VFMADD231PS  Y12, Y6, Y0
	VFMADD231PS  Y12, Y7, Y1
	VFMADD231PS  Y12, Y8, Y2
	VFMADD231PS  Y12, Y9, Y3
	VFMADD231PS  Y12, Y10, Y4
	VFMADD231PS  Y12, Y11, Y5
	ADDQ         $4, SI
	ADDQ         $4, BX
	ADDQ         $32, DI
	DECQ         CX
	JNE          loop8

store8:
	MOVQ         clamp+64(FP), CX
	TESTQ        CX, CX
	JEQ          nostore8
	VBROADCASTSS lo+56(FP), Y14
	VBROADCASTSS hi+60(FP), Y15
	VMAXPS       Y14, Y0, Y0
	VMAXPS       Y14, Y1, Y1
	VMAXPS       Y14, Y2, Y2
	VMAXPS       Y14, Y3, Y3
	VMAXPS       Y14, Y4, Y4
	VMAXPS       Y14, Y5, Y5
	VMINPS       Y15, Y0, Y0
	VMINPS       Y15, Y1, Y1
	VMINPS       Y15, Y2, Y2
	VMINPS       Y15, Y3, Y3
	VMINPS       Y15, Y4, Y4
	VMINPS       Y15, Y5, Y5

nostore8:
	VMOVUPS Y0, (DX)
	ADDQ    R10, DX
	VMOVUPS Y1, (DX)
	ADDQ    R10, DX
	VMOVUPS Y2, (DX)
	ADDQ    R10, DX
	VMOVUPS Y3, (DX)
	ADDQ    R10, DX
	VMOVUPS Y4, (DX)
	ADDQ    R10, DX
	VMOVUPS Y5, (DX)
	VZEROUPPER
	RET

// MAX2 sets x = max(x, y) per lane with Go's max semantics: the larger
// value, +0 over −0, NaN if either is NaN. MAXPS alone returns its second
// source for NaN and for equal values, so both orders are taken and ANDed
// (equal values stay, and −0 AND +0 is +0), then NaN lanes are set to
// all ones (a NaN) from an unordered compare.
#define MAX2(x, y, t1, t2) \
	VMAXPS y, x, t1; \
	VMAXPS x, y, t2; \
	VANDPS t1, t2, t1; \
	VCMPPS $3, y, x, t2; \
	VORPS  t2, t1, x

// func max2x2SIMD(out, r0, r1 *float32, ow, c int)
//
// For ox < ow, ch < c: out[ox·c + ch] = max of r0 and r1 at input pixels
// 2·ox and 2·ox+1 (channel ch): a 2x2, stride-2 max pool over one output
// row, from its two input rows.
TEXT ·max2x2SIMD(SB), NOSPLIT, $0-40
	MOVQ  out+0(FP), DI
	MOVQ  r0+8(FP), SI
	MOVQ  r1+16(FP), DX
	MOVQ  ow+24(FP), R8
	MOVQ  c+32(FP), R9
	SHLQ  $2, R9
	TESTQ R8, R8
	JEQ   mdone

mpix:
	MOVQ SI, R10
	LEAQ (SI)(R9*1), R11
	MOVQ DX, R12
	LEAQ (DX)(R9*1), R13
	MOVQ R9, CX

m8:
	CMPQ    CX, $32
	JLT     m1
	VMOVUPS (R10), Y0
	VMOVUPS (R11), Y1
	VMOVUPS (R12), Y2
	VMOVUPS (R13), Y3
	MAX2(Y0, Y1, Y4, Y5)
	MAX2(Y2, Y3, Y4, Y5)
	MAX2(Y0, Y2, Y4, Y5)
	VMOVUPS Y0, (DI)
	ADDQ    $32, R10
	ADDQ    $32, R11
	ADDQ    $32, R12
	ADDQ    $32, R13
	ADDQ    $32, DI
	SUBQ    $32, CX
	JMP     m8

m1:
	TESTQ  CX, CX
	JEQ    mnext
	VMOVSS (R10), X0
	VMOVSS (R11), X1
	VMOVSS (R12), X2
	VMOVSS (R13), X3
	MAX2(X0, X1, X4, X5)
	MAX2(X2, X3, X4, X5)
	MAX2(X0, X2, X4, X5)
	VMOVSS X0, (DI)
	ADDQ   $4, R10
	ADDQ   $4, R11
	ADDQ   $4, R12
	ADDQ   $4, R13
	ADDQ   $4, DI
	SUBQ   $4, CX
	JMP    m1

mnext:
	LEAQ (SI)(R9*2), SI
	LEAQ (DX)(R9*2), DX
	DECQ R8
	JNE  mpix

mdone:
	VZEROUPPER
	RET
