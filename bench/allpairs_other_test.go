//go:build !amd64

package bench

// setVectorKernel reports that there is no vector kernel to switch.
func setVectorKernel(on bool) (restore func(), ok bool) { return func() {}, !on }
