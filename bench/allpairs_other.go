//go:build !amd64

package bench

// haveAVX512Popcnt is false off amd64: countRow is the generic loop.
const haveAVX512Popcnt = false

// countRow adds the distances from a to every hash in bs to h.
func countRow(h *[4][257]int64, a [4]uint64, bs [][4]uint64) {
	countRowGeneric(h, a, bs)
}
