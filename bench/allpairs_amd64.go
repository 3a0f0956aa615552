package bench

import "golang.org/x/sys/cpu"

// haveAVX512Popcnt reports whether the CPU and OS support the AVX-512
// kernel of countRow (VPOPCNTQ on 512-bit registers).
var haveAVX512Popcnt = cpuHasAVX512Popcnt

// cpuHasAVX512Popcnt is what the CPU offers.
var cpuHasAVX512Popcnt = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VPOPCNTDQ

// countRows8AVX512 adds the distances from a to the n hashes at bs (n a
// multiple of 8) to h, eight hashes per step: XOR and VPOPCNTQ on two
// hashes per 512-bit register, a shuffle tree that sums each hash's four
// word counts, and eight histogram increments spread over h's four tables.
//
//go:noescape
func countRows8AVX512(h *[4][257]int64, a *[4]uint64, bs *[4]uint64, n int)

// countRow adds the distances from a to every hash in bs to h.
func countRow(h *[4][257]int64, a [4]uint64, bs [][4]uint64) {
	if haveAVX512Popcnt && len(bs) >= 8 {
		n := len(bs) &^ 7
		countRows8AVX512(h, &a, &bs[0], n)
		bs = bs[n:]
	}
	countRowGeneric(h, a, bs)
}
