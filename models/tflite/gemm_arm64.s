//go:build !purego

#include "textflag.h"

// The Go assembler has no mnemonics for the NEON floating-point arithmetic,
// compare and bitwise-select instructions used below, so they are encoded
// here (all on 4S/16B vectors, operands in Arm order: destination first).
// The scalar tails load one float with FMOVS, which zeroes the other lanes,
// and run the same vector instructions on lane 0.
#define VFADD4(d, n, m) WORD $(0x4E20D400 | (m)<<16 | (n)<<5 | (d))  // d = n + m
#define VFSUB4(d, n, m) WORD $(0x4EA0D400 | (m)<<16 | (n)<<5 | (d))  // d = n − m
#define VFMUL4(d, n, m) WORD $(0x6E20DC00 | (m)<<16 | (n)<<5 | (d))  // d = n · m
#define VFMAX4(d, n, m) WORD $(0x4E20F400 | (m)<<16 | (n)<<5 | (d))  // d = max(n, m), NaN if either is
#define VFCMGT4(d, n, m) WORD $(0x6EA0E400 | (m)<<16 | (n)<<5 | (d)) // d = n > m ? ~0 : 0
#define VFCMGTZ4(d, n) WORD $(0x4EA0C800 | (n)<<5 | (d))             // d = n > 0 ? ~0 : 0
#define VFABS4(d, n) WORD $(0x4EA0F800 | (n)<<5 | (d))               // d = |n| (sign bit cleared)
#define VAND16(d, n, m) WORD $(0x4E201C00 | (m)<<16 | (n)<<5 | (d))  // d = n & m
#define VBIT16(d, n, m) WORD $(0x6EA01C00 | (m)<<16 | (n)<<5 | (d))  // d = m ? n : d (bitwise)
#define VBIF16(d, n, m) WORD $(0x6EE01C00 | (m)<<16 | (n)<<5 | (d))  // d = m ? d : n (bitwise)

// CLAMP sets V<x> to clamp(v, lo, hi) of k_elementwise.go lane by lane,
// with lo in V30 and hi in V31 (both broadcast) and V<t1>, V<t2> as
// scratch: t1 = v > lo, t2 = v > hi on the input, then hi where t2 and lo
// where not t1. A NaN compares false, so it becomes lo, as does −0 when
// lo = +0; the result is exact for any bounds.
#define CLAMP(x, t1, t2) VFCMGT4(t1, x, 30); VFCMGT4(t2, x, 31); VBIT16(x, 31, t2); VBIF16(x, 30, t1)

// LOADBOUNDS broadcasts the float32 arguments lo and hi (at frame offsets
// lo and hi) into V30 and V31.
#define LOADBOUNDS(lo, hi) FMOVS lo(FP), F30; FMOVS hi(FP), F31; VDUP V30.S[0], V30.S4; VDUP V31.S[0], V31.S4

// func gemm6x16SIMD(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)
//
// Accumulators: V0.. hold the tile, 4 vectors per row (row r in
// V4·r …). Each step loads one row of the panel (64 bytes, post-incremented)
// and broadcasts one element of each of the six rows of A (LD1R, rows
// addressed by R1–R6). With clamp != 0 the tile is clamped (CLAMP) before
// the store.
TEXT ·gemm6x16SIMD(SB), NOSPLIT, $0-72
	MOVD k+0(FP), R0
	MOVD a+8(FP), R1
	MOVD lda+16(FP), R7
	LSL  $2, R7
	MOVD b+24(FP), R8
	MOVD bias+32(FP), R9
	MOVD c+40(FP), R10
	MOVD ldc+48(FP), R11
	LSL  $2, R11
	ADD  R7, R1, R2
	ADD  R7, R2, R3
	ADD  R7, R3, R4
	ADD  R7, R4, R5
	ADD  R7, R5, R6
	VLD1 (R9), [V0.S4, V1.S4, V2.S4, V3.S4]
	VMOV V0.B16, V4.B16
	VMOV V1.B16, V5.B16
	VMOV V2.B16, V6.B16
	VMOV V3.B16, V7.B16
	VMOV V0.B16, V8.B16
	VMOV V1.B16, V9.B16
	VMOV V2.B16, V10.B16
	VMOV V3.B16, V11.B16
	VMOV V0.B16, V12.B16
	VMOV V1.B16, V13.B16
	VMOV V2.B16, V14.B16
	VMOV V3.B16, V15.B16
	VMOV V0.B16, V16.B16
	VMOV V1.B16, V17.B16
	VMOV V2.B16, V18.B16
	VMOV V3.B16, V19.B16
	VMOV V0.B16, V20.B16
	VMOV V1.B16, V21.B16
	VMOV V2.B16, V22.B16
	VMOV V3.B16, V23.B16
	CBZ  R0, gemm6x16NEON_store

gemm6x16NEON_loop:
	VLD1.P 64(R8), [V24.S4, V25.S4, V26.S4, V27.S4]
	VLD1R.P 4(R1), [V28.S4]
	VLD1R.P 4(R2), [V29.S4]
	VLD1R.P 4(R3), [V30.S4]
	VLD1R.P 4(R4), [V31.S4]
	VFMLA V24.S4, V28.S4, V0.S4
	VFMLA V25.S4, V28.S4, V1.S4
	VFMLA V26.S4, V28.S4, V2.S4
	VFMLA V27.S4, V28.S4, V3.S4
	VFMLA V24.S4, V29.S4, V4.S4
	VFMLA V25.S4, V29.S4, V5.S4
	VFMLA V26.S4, V29.S4, V6.S4
	VFMLA V27.S4, V29.S4, V7.S4
	VFMLA V24.S4, V30.S4, V8.S4
	VFMLA V25.S4, V30.S4, V9.S4
	VFMLA V26.S4, V30.S4, V10.S4
	VFMLA V27.S4, V30.S4, V11.S4
	VFMLA V24.S4, V31.S4, V12.S4
	VFMLA V25.S4, V31.S4, V13.S4
	VFMLA V26.S4, V31.S4, V14.S4
	VFMLA V27.S4, V31.S4, V15.S4
	VLD1R.P 4(R5), [V28.S4]
	VLD1R.P 4(R6), [V29.S4]
	VFMLA V24.S4, V28.S4, V16.S4
	VFMLA V25.S4, V28.S4, V17.S4
	VFMLA V26.S4, V28.S4, V18.S4
	VFMLA V27.S4, V28.S4, V19.S4
	VFMLA V24.S4, V29.S4, V20.S4
	VFMLA V25.S4, V29.S4, V21.S4
	VFMLA V26.S4, V29.S4, V22.S4
	VFMLA V27.S4, V29.S4, V23.S4
	SUBS $1, R0, R0
	BNE  gemm6x16NEON_loop

gemm6x16NEON_store:
	MOVD clamp+64(FP), R12
	CBZ  R12, gemm6x16NEON_write
	LOADBOUNDS(lo+56, hi+60)
	CLAMP(0, 24, 25)
	CLAMP(1, 26, 27)
	CLAMP(2, 28, 29)
	CLAMP(3, 24, 25)
	CLAMP(4, 26, 27)
	CLAMP(5, 28, 29)
	CLAMP(6, 24, 25)
	CLAMP(7, 26, 27)
	CLAMP(8, 28, 29)
	CLAMP(9, 24, 25)
	CLAMP(10, 26, 27)
	CLAMP(11, 28, 29)
	CLAMP(12, 24, 25)
	CLAMP(13, 26, 27)
	CLAMP(14, 28, 29)
	CLAMP(15, 24, 25)
	CLAMP(16, 26, 27)
	CLAMP(17, 28, 29)
	CLAMP(18, 24, 25)
	CLAMP(19, 26, 27)
	CLAMP(20, 28, 29)
	CLAMP(21, 24, 25)
	CLAMP(22, 26, 27)
	CLAMP(23, 28, 29)

gemm6x16NEON_write:
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V20.S4, V21.S4, V22.S4, V23.S4], (R10)
	RET

// func gemm6x8SIMD(k int, a *float32, lda int, b, bias, c *float32, ldc int, lo, hi float32, clamp int)
//
// Accumulators: V0.. hold the tile, 2 vectors per row (row r in
// V2·r …). Each step loads one row of the panel (32 bytes, post-incremented)
// and broadcasts one element of each of the six rows of A (LD1R, rows
// addressed by R1–R6). With clamp != 0 the tile is clamped (CLAMP) before
// the store.
TEXT ·gemm6x8SIMD(SB), NOSPLIT, $0-72
	MOVD k+0(FP), R0
	MOVD a+8(FP), R1
	MOVD lda+16(FP), R7
	LSL  $2, R7
	MOVD b+24(FP), R8
	MOVD bias+32(FP), R9
	MOVD c+40(FP), R10
	MOVD ldc+48(FP), R11
	LSL  $2, R11
	ADD  R7, R1, R2
	ADD  R7, R2, R3
	ADD  R7, R3, R4
	ADD  R7, R4, R5
	ADD  R7, R5, R6
	VLD1 (R9), [V0.S4, V1.S4]
	VMOV V0.B16, V2.B16
	VMOV V1.B16, V3.B16
	VMOV V0.B16, V4.B16
	VMOV V1.B16, V5.B16
	VMOV V0.B16, V6.B16
	VMOV V1.B16, V7.B16
	VMOV V0.B16, V8.B16
	VMOV V1.B16, V9.B16
	VMOV V0.B16, V10.B16
	VMOV V1.B16, V11.B16
	CBZ  R0, gemm6x8NEON_store

gemm6x8NEON_loop:
	VLD1.P 32(R8), [V24.S4, V25.S4]
	VLD1R.P 4(R1), [V28.S4]
	VLD1R.P 4(R2), [V29.S4]
	VLD1R.P 4(R3), [V30.S4]
	VLD1R.P 4(R4), [V31.S4]
	VFMLA V24.S4, V28.S4, V0.S4
	VFMLA V25.S4, V28.S4, V1.S4
	VFMLA V24.S4, V29.S4, V2.S4
	VFMLA V25.S4, V29.S4, V3.S4
	VFMLA V24.S4, V30.S4, V4.S4
	VFMLA V25.S4, V30.S4, V5.S4
	VFMLA V24.S4, V31.S4, V6.S4
	VFMLA V25.S4, V31.S4, V7.S4
	VLD1R.P 4(R5), [V28.S4]
	VLD1R.P 4(R6), [V29.S4]
	VFMLA V24.S4, V28.S4, V8.S4
	VFMLA V25.S4, V28.S4, V9.S4
	VFMLA V24.S4, V29.S4, V10.S4
	VFMLA V25.S4, V29.S4, V11.S4
	SUBS $1, R0, R0
	BNE  gemm6x8NEON_loop

gemm6x8NEON_store:
	MOVD clamp+64(FP), R12
	CBZ  R12, gemm6x8NEON_write
	LOADBOUNDS(lo+56, hi+60)
	CLAMP(0, 24, 25)
	CLAMP(1, 26, 27)
	CLAMP(2, 28, 29)
	CLAMP(3, 24, 25)
	CLAMP(4, 26, 27)
	CLAMP(5, 28, 29)
	CLAMP(6, 24, 25)
	CLAMP(7, 26, 27)
	CLAMP(8, 28, 29)
	CLAMP(9, 24, 25)
	CLAMP(10, 26, 27)
	CLAMP(11, 28, 29)

gemm6x8NEON_write:
	VST1 [V0.S4, V1.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V2.S4, V3.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V4.S4, V5.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V6.S4, V7.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V8.S4, V9.S4], (R10)
	ADD  R11, R10, R10
	VST1 [V10.S4, V11.S4], (R10)
	RET

// func dw3x3SIMD(out, in, w, bias *float32, npix, c, c4, xstep, rs int, lo, hi float32, clamp int)
//
// dw3x3Go for the channels below c4 (a multiple of 4): the nine weight
// vectors of a 4-channel slice stay in V0–V8 and the bias in V9, while four
// pixels at a time accumulate in V10–V13, each starting from the bias and
// adding the taps in ky, kx order with FMLA (as Go fuses them on arm64).
// With clamp != 0 the sums are clamped (CLAMP) before the store.
TEXT ·dw3x3SIMD(SB), NOSPLIT, $0-88
	MOVD out+0(FP), R0
	MOVD in+8(FP), R1
	MOVD w+16(FP), R2
	MOVD bias+24(FP), R3
	MOVD c+40(FP), R5
	LSL  $2, R5
	MOVD cv+48(FP), R6
	LSL  $2, R6
	MOVD xstep+56(FP), R7
	LSL  $2, R7
	MOVD rs+64(FP), R8
	LSL  $2, R8
	MOVD clamp+80(FP), R19
	LOADBOUNDS(lo+72, hi+76)
	MOVD $0, R9

dwchunk:
	CMP  R6, R9
	BGE  dwdone
	ADD  R9, R2, R10
	VLD1 (R10), [V0.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V1.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V2.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V3.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V4.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V5.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V6.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V7.S4]
	ADD  R5, R10, R10
	VLD1 (R10), [V8.S4]
	ADD  R9, R3, R10
	VLD1 (R10), [V9.S4]
	ADD  R9, R1, R11
	ADD  R9, R0, R12
	MOVD npix+32(FP), R13

dwquad:
	CMP  $4, R13
	BLT  dwsingle
	VMOV V9.B16, V10.B16
	VMOV V9.B16, V11.B16
	VMOV V9.B16, V12.B16
	VMOV V9.B16, V13.B16
	MOVD R11, R14
	MOVD R14, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V0.S4, V16.S4, V10.S4
	VFMLA V0.S4, V17.S4, V11.S4
	VFMLA V0.S4, V18.S4, V12.S4
	VFMLA V0.S4, V19.S4, V13.S4
	ADD  R5, R14, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V1.S4, V16.S4, V10.S4
	VFMLA V1.S4, V17.S4, V11.S4
	VFMLA V1.S4, V18.S4, V12.S4
	VFMLA V1.S4, V19.S4, V13.S4
	ADD  R5, R14, R15
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V2.S4, V16.S4, V10.S4
	VFMLA V2.S4, V17.S4, V11.S4
	VFMLA V2.S4, V18.S4, V12.S4
	VFMLA V2.S4, V19.S4, V13.S4
	ADD  R8, R14, R14
	MOVD R14, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V3.S4, V16.S4, V10.S4
	VFMLA V3.S4, V17.S4, V11.S4
	VFMLA V3.S4, V18.S4, V12.S4
	VFMLA V3.S4, V19.S4, V13.S4
	ADD  R5, R14, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V4.S4, V16.S4, V10.S4
	VFMLA V4.S4, V17.S4, V11.S4
	VFMLA V4.S4, V18.S4, V12.S4
	VFMLA V4.S4, V19.S4, V13.S4
	ADD  R5, R14, R15
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V5.S4, V16.S4, V10.S4
	VFMLA V5.S4, V17.S4, V11.S4
	VFMLA V5.S4, V18.S4, V12.S4
	VFMLA V5.S4, V19.S4, V13.S4
	ADD  R8, R14, R14
	MOVD R14, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V6.S4, V16.S4, V10.S4
	VFMLA V6.S4, V17.S4, V11.S4
	VFMLA V6.S4, V18.S4, V12.S4
	VFMLA V6.S4, V19.S4, V13.S4
	ADD  R5, R14, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V7.S4, V16.S4, V10.S4
	VFMLA V7.S4, V17.S4, V11.S4
	VFMLA V7.S4, V18.S4, V12.S4
	VFMLA V7.S4, V19.S4, V13.S4
	ADD  R5, R14, R15
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V17.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V18.S4]
	ADD  R7, R15, R15
	VLD1 (R15), [V19.S4]
	VFMLA V8.S4, V16.S4, V10.S4
	VFMLA V8.S4, V17.S4, V11.S4
	VFMLA V8.S4, V18.S4, V12.S4
	VFMLA V8.S4, V19.S4, V13.S4
	CBZ   R19, dwquadstore
	CLAMP(10, 14, 15)
	CLAMP(11, 20, 21)
	CLAMP(12, 22, 23)
	CLAMP(13, 24, 25)

dwquadstore:
	VST1 [V10.S4], (R12)
	ADD  R5, R12, R12
	VST1 [V11.S4], (R12)
	ADD  R5, R12, R12
	VST1 [V12.S4], (R12)
	ADD  R5, R12, R12
	VST1 [V13.S4], (R12)
	ADD  R5, R12, R12
	ADD  R7, R11, R11
	ADD  R7, R11, R11
	ADD  R7, R11, R11
	ADD  R7, R11, R11
	SUB  $4, R13, R13
	B    dwquad

dwsingle:
	CBZ  R13, dwnext
	VMOV V9.B16, V10.B16
	MOVD R11, R14
	MOVD R14, R15
	VLD1 (R15), [V16.S4]
	VFMLA V0.S4, V16.S4, V10.S4
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	VFMLA V1.S4, V16.S4, V10.S4
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	VFMLA V2.S4, V16.S4, V10.S4
	ADD  R8, R14, R14
	MOVD R14, R15
	VLD1 (R15), [V16.S4]
	VFMLA V3.S4, V16.S4, V10.S4
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	VFMLA V4.S4, V16.S4, V10.S4
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	VFMLA V5.S4, V16.S4, V10.S4
	ADD  R8, R14, R14
	MOVD R14, R15
	VLD1 (R15), [V16.S4]
	VFMLA V6.S4, V16.S4, V10.S4
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	VFMLA V7.S4, V16.S4, V10.S4
	ADD  R5, R15, R15
	VLD1 (R15), [V16.S4]
	VFMLA V8.S4, V16.S4, V10.S4
	CBZ   R19, dwsinglestore
	CLAMP(10, 14, 15)

dwsinglestore:
	VST1 [V10.S4], (R12)
	ADD  R5, R12, R12
	ADD  R7, R11, R11
	SUB  $1, R13, R13
	B    dwsingle

dwnext:
	ADD  $16, R9, R9
	B    dwchunk

dwdone:
	RET

// func dwRowSIMD(dst, x, w *float32, npix, c, xstride int)
//
// For p < npix, ch < c: dst[p·c + ch] += x[p·xstride + ch] · w[ch], with
// FMLA (Go fuses the multiply-add on arm64): 16 channels at a time, then
// 4, then one.
TEXT ·dwRowSIMD(SB), NOSPLIT, $0-48
	MOVD dst+0(FP), R0
	MOVD x+8(FP), R1
	MOVD w+16(FP), R2
	MOVD npix+24(FP), R3
	MOVD c+32(FP), R4
	MOVD xstride+40(FP), R5
	LSL  $2, R5

rowpix:
	CBZ  R3, rowdone
	MOVD R1, R6 // x of this pixel
	MOVD R2, R7 // w
	MOVD R4, R8 // channels left

row16:
	CMP    $16, R8
	BLT    row4
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R6), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R7), [V16.S4, V17.S4, V18.S4, V19.S4]
	VFMLA  V16.S4, V4.S4, V0.S4
	VFMLA  V17.S4, V5.S4, V1.S4
	VFMLA  V18.S4, V6.S4, V2.S4
	VFMLA  V19.S4, V7.S4, V3.S4
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB    $16, R8
	B      row16

row4:
	CMP    $4, R8
	BLT    row1
	VLD1   (R0), [V0.S4]
	VLD1.P 16(R6), [V4.S4]
	VLD1.P 16(R7), [V16.S4]
	VFMLA  V16.S4, V4.S4, V0.S4
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R8
	B      row4

row1:
	CBZ   R8, rownext
	FMOVS (R0), F0
	FMOVS (R6), F4
	FMOVS (R7), F16
	VFMLA V16.S4, V4.S4, V0.S4
	FMOVS F0, (R0)
	ADD   $4, R0
	ADD   $4, R6
	ADD   $4, R7
	SUB   $1, R8
	B     row1

rownext:
	ADD R5, R1
	SUB $1, R3
	B   rowpix

rowdone:
	RET

// PRELU sets V<v> to relu(v) + alpha·(v − |v|) as preluGo computes it,
// alpha in V<al>, each step rounded (FMUL then FADD, no FMLA): relu keeps
// v where v > 0 (FCMGT against zero, false for NaN) and gives +0 elsewhere.
// V<t1>, V<t2> are scratch.
#define PRELU(v, al, t1, t2) VFCMGTZ4(t1, v); VAND16(t1, t1, v); VFABS4(t2, v); VFSUB4(t2, v, t2); VFMUL4(t2, al, t2); VFADD4(v, t1, t2)

// func preluSIMD(out, x, alpha *float32, npix, c int)
//
// For p < npix, ch < c, with v = x[p·c + ch]:
// out[p·c + ch] = relu(v) + alpha[ch]·(v − |v|) (PRELU): 8 channels at a
// time, then 4, then one.
TEXT ·preluSIMD(SB), NOSPLIT, $0-40
	MOVD out+0(FP), R0
	MOVD x+8(FP), R1
	MOVD alpha+16(FP), R2
	MOVD npix+24(FP), R3
	MOVD c+32(FP), R4

prpix:
	CBZ  R3, prdone
	MOVD R2, R6 // alpha
	MOVD R4, R7 // channels left

pr8:
	CMP    $8, R7
	BLT    pr4
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VLD1.P 32(R6), [V2.S4, V3.S4]
	PRELU(0, 2, 4, 5)
	PRELU(1, 3, 6, 7)
	VST1.P [V0.S4, V1.S4], 32(R0)
	SUB    $8, R7
	B      pr8

pr4:
	CMP    $4, R7
	BLT    pr1
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R6), [V2.S4]
	PRELU(0, 2, 4, 5)
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R7
	B      pr4

pr1:
	CBZ   R7, prnext
	FMOVS (R1), F0
	FMOVS (R6), F2
	PRELU(0, 2, 4, 5)
	FMOVS F0, (R0)
	ADD   $4, R0
	ADD   $4, R1
	ADD   $4, R6
	SUB   $1, R7
	B     pr1

prnext:
	SUB $1, R3
	B   prpix

prdone:
	RET

// func addClampSIMD(out, a, b *float32, n int, lo, hi float32, clamp int)
//
// out[i] = a[i] + b[i] for i < n; if clamp != 0 the sum is then clamped as
// clamp(v, lo, hi) in k_elementwise.go does it (CLAMP). 16 elements at a
// time, then 4, then one; out may be a or b.
TEXT ·addClampSIMD(SB), NOSPLIT, $0-48
	MOVD out+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD n+24(FP), R3
	MOVD clamp+40(FP), R4
	LOADBOUNDS(lo+32, hi+36)
	CBNZ R4, addc16

add16:
	CMP    $16, R3
	BLT    add4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFADD4(0, 0, 4)
	VFADD4(1, 1, 5)
	VFADD4(2, 2, 6)
	VFADD4(3, 3, 7)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB    $16, R3
	B      add16

add4:
	CMP    $4, R3
	BLT    add1
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	VFADD4(0, 0, 4)
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R3
	B      add4

add1:
	CBZ   R3, adddone
	FMOVS (R1), F0
	FMOVS (R2), F4
	VFADD4(0, 0, 4)
	FMOVS F0, (R0)
	ADD   $4, R0
	ADD   $4, R1
	ADD   $4, R2
	SUB   $1, R3
	B     add1

addc16:
	CMP    $16, R3
	BLT    addc4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFADD4(0, 0, 4)
	VFADD4(1, 1, 5)
	VFADD4(2, 2, 6)
	VFADD4(3, 3, 7)
	CLAMP(0, 16, 17)
	CLAMP(1, 18, 19)
	CLAMP(2, 20, 21)
	CLAMP(3, 22, 23)
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUB    $16, R3
	B      addc16

addc4:
	CMP    $4, R3
	BLT    addc1
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R2), [V4.S4]
	VFADD4(0, 0, 4)
	CLAMP(0, 16, 17)
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R3
	B      addc4

addc1:
	CBZ   R3, adddone
	FMOVS (R1), F0
	FMOVS (R2), F4
	VFADD4(0, 0, 4)
	CLAMP(0, 16, 17)
	FMOVS F0, (R0)
	ADD   $4, R0
	ADD   $4, R1
	ADD   $4, R2
	SUB   $1, R3
	B     addc1

adddone:
	RET

// func max2x2SIMD(out, r0, r1 *float32, ow, c int)
//
// For ox < ow, ch < c: out[ox·c + ch] = max(max(a0, a1), max(b0, b1)), a0
// and a1 being r0 at input pixels 2·ox and 2·ox+1 (channel ch), b0 and b1
// the same in r1. FMAX has Go's max semantics (NaN wins, +0 beats −0), as
// Go's max compiles to it on arm64. 4 channels at a time, then one.
TEXT ·max2x2SIMD(SB), NOSPLIT, $0-40
	MOVD out+0(FP), R0
	MOVD r0+8(FP), R1
	MOVD r1+16(FP), R2
	MOVD ow+24(FP), R3
	MOVD c+32(FP), R4
	LSL  $2, R4, R5 // c in bytes

mxpix:
	CBZ  R3, mxdone
	ADD  R5, R1, R8 // r0 at pixel 2·ox+1
	ADD  R5, R2, R9 // r1 at pixel 2·ox+1
	MOVD R4, R7     // channels left

mx4:
	CMP    $4, R7
	BLT    mx1
	VLD1.P 16(R1), [V0.S4]
	VLD1.P 16(R8), [V1.S4]
	VLD1.P 16(R2), [V2.S4]
	VLD1.P 16(R9), [V3.S4]
	VFMAX4(0, 0, 1)
	VFMAX4(2, 2, 3)
	VFMAX4(0, 0, 2)
	VST1.P [V0.S4], 16(R0)
	SUB    $4, R7
	B      mx4

mx1:
	CBZ   R7, mxnext
	FMOVS (R1), F0
	FMOVS (R8), F1
	FMOVS (R2), F2
	FMOVS (R9), F3
	VFMAX4(0, 0, 1)
	VFMAX4(2, 2, 3)
	VFMAX4(0, 0, 2)
	FMOVS F0, (R0)
	ADD   $4, R0
	ADD   $4, R1
	ADD   $4, R8
	ADD   $4, R2
	ADD   $4, R9
	SUB   $1, R7
	B     mx1

mxnext:
	MOVD R8, R1 // r0 at pixel 2·ox+2
	MOVD R9, R2
	SUB  $1, R3
	B    mxpix

mxdone:
	RET
