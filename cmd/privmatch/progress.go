package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress is a bar on stderr for long runs. It draws only when stderr is a
// terminal (or when forced), so logs and CI output stay clean.
type progress struct {
	bar *progressbar.ProgressBar
}

// progressMode is the value of a command's --progress flag.
type progressMode string

const (
	progressAuto   progressMode = "auto"
	progressAlways progressMode = "always"
	progressNever  progressMode = "never"
)

func parseProgressMode(s string) (progressMode, error) {
	switch m := progressMode(s); m {
	case progressAuto, progressAlways, progressNever:
		return m, nil
	}
	return "", fmt.Errorf("--progress must be auto, always or never, not %q", s)
}

func newProgress(total int, desc string, stderr io.Writer, mode progressMode) *progress {
	show := mode == progressAlways
	if mode == progressAuto {
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			show = true
		}
	}
	if !show {
		return &progress{}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("img"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
	)
	return &progress{bar: bar}
}

// Add advances the bar by n.
func (p *progress) Add(n int) {
	if p.bar != nil {
		_ = p.bar.Add(n)
	}
}

// Finish completes the bar.
func (p *progress) Finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
