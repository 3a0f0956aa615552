#include "textflag.h"

// func countRows8AVX512(h *[4][257]int64, a *[4]uint64, bs *[4]uint64, n int)
// n is a positive multiple of 8. Each histogram table is 257*8 = 2056 bytes.
TEXT ·countRows8AVX512(SB), NOSPLIT, $0-32
	MOVQ h+0(FP), DI
	MOVQ a+8(FP), AX
	MOVQ bs+16(FP), SI
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	JZ   done
	VBROADCASTI64X4 (AX), Z0

loop:
	// Two hashes per register: Z1 = b0|b1, Z2 = b2|b3, Z3 = b4|b5, Z4 = b6|b7.
	VPXORQ   (SI), Z0, Z1
	VPXORQ   64(SI), Z0, Z2
	VPXORQ   128(SI), Z0, Z3
	VPXORQ   192(SI), Z0, Z4
	VPOPCNTQ Z1, Z1
	VPOPCNTQ Z2, Z2
	VPOPCNTQ Z3, Z3
	VPOPCNTQ Z4, Z4

	// Per 128-bit lane, add the two word counts of Z1 and of Z2 side by
	// side: Z5 lanes = [b0 w0+w1, b2 w0+w1], [b0 w2+w3, b2 w2+w3],
	// [b1 ..., b3 ...], [b1 ..., b3 ...]; Z7 likewise for b4..b7.
	VPUNPCKLQDQ Z2, Z1, Z5
	VPUNPCKHQDQ Z2, Z1, Z6
	VPADDQ      Z6, Z5, Z5
	VPUNPCKLQDQ Z4, Z3, Z7
	VPUNPCKHQDQ Z4, Z3, Z6
	VPADDQ      Z6, Z7, Z7

	// Add lanes 0+1 and 2+3: Z8 = [b0, b2, b1, b3, b4, b6, b5, b7].
	VSHUFI64X2 $0x88, Z7, Z5, Z8
	VSHUFI64X2 $0xDD, Z7, Z5, Z9
	VPADDQ     Z9, Z8, Z8
	// Narrow the eight distances to 16 bits (256 needs 9) and move them to
	// two general registers, four each.
	VPMOVQW Z8, X10
	VMOVQ   X10, R8
	VPEXTRQ $1, X10, R12

	MOVWQZX R8, R9
	INCQ    (DI)(R9*8)
	SHRQ    $16, R8
	MOVWQZX R8, R9
	INCQ    2056(DI)(R9*8)
	SHRQ    $16, R8
	MOVWQZX R8, R9
	INCQ    4112(DI)(R9*8)
	SHRQ    $16, R8
	INCQ    6168(DI)(R8*8)

	MOVWQZX R12, R9
	INCQ    (DI)(R9*8)
	SHRQ    $16, R12
	MOVWQZX R12, R9
	INCQ    2056(DI)(R9*8)
	SHRQ    $16, R12
	MOVWQZX R12, R9
	INCQ    4112(DI)(R9*8)
	SHRQ    $16, R12
	INCQ    6168(DI)(R12*8)

	ADDQ $256, SI
	DECQ CX
	JNZ  loop
	VZEROUPPER

done:
	RET
