package bench

// setVectorKernel turns countRow's AVX-512 kernel on or off (on only where
// the CPU has it) and returns a function that restores the setting.
func setVectorKernel(on bool) (restore func(), ok bool) {
	old := haveAVX512Popcnt
	haveAVX512Popcnt = on && cpuHasAVX512Popcnt
	return func() { haveAVX512Popcnt = old }, haveAVX512Popcnt == on
}
