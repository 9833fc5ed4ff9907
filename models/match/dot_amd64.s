//go:build amd64 && !purego

#include "textflag.h"

// func dotsInt8AVX2(q, gal *int8, stride, n int, out *int32)
// Each 16-byte half of a 32-byte lane is sign-extended to 16 int16
// (VPMOVSXBW), multiplied and pairwise added into 8 int32 (VPMADDWD) and
// accumulated in two independent registers.
TEXT ·dotsInt8AVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), SI
	MOVQ gal+8(FP), DI
	MOVQ stride+16(FP), CX
	MOVQ n+24(FP), DX
	MOVQ out+32(FP), R8
	TESTQ DX, DX
	JZ   done

row:
	VPXOR Y0, Y0, Y0
	VPXOR Y4, Y4, Y4
	XORQ  AX, AX

lane:
	VPMOVSXBW (SI)(AX*1), Y1
	VPMOVSXBW (DI)(AX*1), Y2
	VPMADDWD  Y1, Y2, Y3
	VPADDD    Y3, Y0, Y0
	VPMOVSXBW 16(SI)(AX*1), Y5
	VPMOVSXBW 16(DI)(AX*1), Y6
	VPMADDWD  Y5, Y6, Y7
	VPADDD    Y7, Y4, Y4
	ADDQ      $32, AX
	CMPQ      AX, CX
	JLT       lane

	VPADDD       Y4, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4E, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xB1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, (R8)
	ADDQ         $4, R8
	ADDQ         CX, DI
	DECQ         DX
	JNZ          row
	VZEROUPPER

done:
	RET
