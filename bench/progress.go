package bench

import (
	"io"

	"github.com/schollz/progressbar/v3"
)

// ProgressBar returns a Progress callback that draws a progress bar with
// description desc on w (normally os.Stderr), and a function that
// finishes the bar.
func ProgressBar(w io.Writer, total int, desc string) (progress func(done, total int), finish func()) {
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("img"),
		progressbar.OptionThrottle(100_000_000),
		progressbar.OptionClearOnFinish(),
	)
	return func(done, _ int) { _ = bar.Set(done) }, func() { _ = bar.Finish() }
}
