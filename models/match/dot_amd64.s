//go:build amd64 && !purego

#include "textflag.h"

// func dotsInt8AVX2(q, gal *int8, stride, n int, out *int32)
//
// Rows are taken four at a time: each 16-byte half of a 32-byte lane of the
// query is sign-extended to 16 int16 once (VPMOVSXBW) and multiplied with
// the same half of four rows (VPMADDWD gives 8 int32 pair sums), each row
// accumulating in its own register; three VPHADDD and one cross-lane add
// then reduce the four accumulators into four results at once. Remaining
// rows (n mod 4) go through a one-row loop.
TEXT ·dotsInt8AVX2(SB), NOSPLIT, $0-40
	MOVQ q+0(FP), SI
	MOVQ gal+8(FP), DI
	MOVQ stride+16(FP), CX
	MOVQ n+24(FP), DX
	MOVQ out+32(FP), R8
	LEAQ (CX)(CX*2), R9 // 3*stride

quad:
	CMPQ  DX, $4
	JLT   single
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	XORQ  AX, AX

quadlane:
	VPMOVSXBW (SI)(AX*1), Y4
	VPMOVSXBW 16(SI)(AX*1), Y5
	LEAQ      (DI)(AX*1), BX

	VPMOVSXBW (BX), Y6
	VPMOVSXBW 16(BX), Y7
	VPMADDWD  Y4, Y6, Y6
	VPMADDWD  Y5, Y7, Y7
	VPADDD    Y6, Y0, Y0
	VPADDD    Y7, Y0, Y0

	VPMOVSXBW (BX)(CX*1), Y6
	VPMOVSXBW 16(BX)(CX*1), Y7
	VPMADDWD  Y4, Y6, Y6
	VPMADDWD  Y5, Y7, Y7
	VPADDD    Y6, Y1, Y1
	VPADDD    Y7, Y1, Y1

	VPMOVSXBW (BX)(CX*2), Y6
	VPMOVSXBW 16(BX)(CX*2), Y7
	VPMADDWD  Y4, Y6, Y6
	VPMADDWD  Y5, Y7, Y7
	VPADDD    Y6, Y2, Y2
	VPADDD    Y7, Y2, Y2

	VPMOVSXBW (BX)(R9*1), Y6
	VPMOVSXBW 16(BX)(R9*1), Y7
	VPMADDWD  Y4, Y6, Y6
	VPMADDWD  Y5, Y7, Y7
	VPADDD    Y6, Y3, Y3
	VPADDD    Y7, Y3, Y3

	ADDQ $32, AX
	CMPQ AX, CX
	JLT  quadlane

	VPHADDD      Y1, Y0, Y0 // per 128-bit half: [r0 r0 r1 r1] pair sums
	VPHADDD      Y3, Y2, Y2 // [r2 r2 r3 r3]
	VPHADDD      Y2, Y0, Y0 // [r0 r1 r2 r3]
	VEXTRACTI128 $1, Y0, X1
	VPADDD       X1, X0, X0
	VMOVDQU      X0, (R8)
	ADDQ         $16, R8
	LEAQ         (DI)(CX*4), DI
	SUBQ         $4, DX
	JMP          quad

single:
	TESTQ DX, DX
	JZ    done

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

done:
	VZEROUPPER
	RET
