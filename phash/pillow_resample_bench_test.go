package phash

import (
	"fmt"
	"syscall"
	"testing"
)

// cpuNanos returns the process's user+system CPU time: on a shared machine
// it varies less than wall time.
func cpuNanos() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkPillowResize times the Pillow-exact LANCZOS resize of a
// 1600x1004 luma plane to the sizes the imagehash family uses. It reports
// CPU ns/op beside the wall-clock figure.
func BenchmarkPillowResize(b *testing.B) {
	const w, h = 1600, 1004
	src := make([]uint8, w*h)
	for i := range src {
		x, y := i%w, i/w
		src[i] = uint8(x*7 + y*3 + (x*y)%17)
	}
	for _, sz := range [][2]int{{8, 8}, {9, 8}, {32, 32}, {64, 64}} {
		b.Run(fmt.Sprintf("size=%dx%d", sz[0], sz[1]), func(b *testing.B) {
			b.ReportAllocs()
			var dst, tmp []uint8
			c0 := cpuNanos()
			for b.Loop() {
				dst, tmp = pillowResizeL(dst, tmp, src, w, h, sz[0], sz[1])
			}
			b.ReportMetric(float64(cpuNanos()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}
