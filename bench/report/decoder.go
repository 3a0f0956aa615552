package report

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/privmatch/privmatch/bench"
)

// runDecoderDrift measures how far each hash moves when only the JPEG
// decoder changes (bench.MeasureDecoderDrift), on the distinct images the
// rest of the report measures.
func runDecoderDrift(ctx context.Context, o *Options, keep []int) (*bench.DecoderDriftResult, error) {
	sub := &bench.Corpus{Source: o.Corpus.Source}
	for _, i := range keep {
		sub.Items = append(sub.Items, o.Corpus.Items[i])
	}
	return bench.MeasureDecoderDrift(ctx, sub, o.Hashers)
}

// checkDecoderDrift reports what a decoded drift section lacks for
// rendering.
func checkDecoderDrift(x *bench.DecoderDriftResult) error {
	if x == nil {
		return nil
	}
	if x.NotJPEG < 0 {
		return errors.New("decoder drift: negative count of non-JPEG items")
	}
	for _, a := range x.Algorithms {
		if a.JPEGs < 0 || a.Changed < 0 || a.Changed > a.JPEGs || a.OverThreshold < 0 || a.OverThreshold > a.Changed ||
			a.MaxBits < 0 || a.MaxBits > 1<<16 || a.Threshold < 0 || !(a.MeanBits >= 0 && a.MeanBits <= float64(a.MaxBits)) {
			return fmt.Errorf("decoder drift %q: counts do not fit (%d JPEGs, %d changed, %d over threshold, mean %v, max %d bits)",
				a.Algorithm, a.JPEGs, a.Changed, a.OverThreshold, a.MeanBits, a.MaxBits)
		}
	}
	return nil
}

// driftJPEGs is the number of JPEG files both decoders read.
func driftJPEGs(x *bench.DecoderDriftResult) int {
	n := 0
	for _, a := range x.Algorithms {
		n = max(n, a.JPEGs)
	}
	return n
}

// driftMatters reports the algorithm whose hashes the decoder moved
// furthest, as a share of its match threshold, when that share is at least
// a quarter or some pair of hashes no longer matched: decoder drift then
// spends a noticeable part of the match budget.
func driftMatters(x *bench.DecoderDriftResult) (bench.DecoderDrift, bool) {
	var worst bench.DecoderDrift
	share := -1.0
	for _, a := range x.Algorithms {
		if a.JPEGs == 0 || a.Threshold == 0 {
			continue
		}
		s := float64(a.MaxBits) / float64(a.Threshold)
		if a.OverThreshold > 0 {
			s += 1e6 // a broken match outranks any share
		}
		if s > share {
			worst, share = a, s
		}
	}
	return worst, share >= 0.25
}

// summaryDrift is the resiliency line's sentence on decoder drift, or ""
// when it does not matter.
func (r *Report) summaryDrift() string {
	x := r.DecoderDrift
	if x == nil || driftJPEGs(x) == 0 {
		return ""
	}
	w, ok := driftMatters(x)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" Changing only the JPEG decoder (Go's against the references' libjpeg-turbo) moved %s hashes by up to %d bits of its %d-bit threshold (%d of %d JPEG files changed, %d no longer matched): compare hashes made with the same decoder.",
		w.Algorithm, w.MaxBits, w.Threshold, w.Changed, w.JPEGs, w.OverThreshold)
}

// decoderSubsection renders the decoder-only robustness row.
func (r *Report) decoderSubsection(d *document) {
	d.h(2, "Decoder only: Go's image/jpeg against libjpeg-turbo")
	x := r.DecoderDrift
	if x == nil {
		if r.DecoderDriftError != "" {
			d.p("Not measured: %s.", r.DecoderDriftError)
		} else {
			d.p("Not measured in this run.")
		}
		return
	}
	n := driftJPEGs(x)
	d.p("The reference tools (the PDQ hasher through CImg, Python imagehash through Pillow) decode JPEG files with libjpeg-turbo; Go's image/jpeg rounds differently. Each JPEG file among the %d distinct images was decoded by both and hashed from each decoder's pixels: the hashes themselves are bit-exact with the references on the same pixels, so any difference below is the decoder's alone. %d of the distinct images are JPEG files; %d are not (their pixels do not depend on a JPEG decoder) and were skipped.",
		r.Dedup.Distinct, n, x.NotJPEG)
	if len(x.Failed) > 0 {
		d.p("Failed on %d files: %s.", len(x.Failed), strings.Join(x.Failed[:min(3, len(x.Failed))], "; "))
	}
	if n == 0 {
		d.p("**What this means:** this corpus has no JPEG files, so it says nothing about decoder drift; run the report on JPEG photos to measure it.")
		return
	}
	var rows [][]string
	for _, a := range x.Algorithms {
		if a.JPEGs == 0 {
			continue
		}
		rows = append(rows, []string{a.Algorithm, fmt.Sprintf("%d of %d", a.Changed, a.JPEGs), fmt.Sprintf("%.2f", a.MeanBits),
			fmt.Sprint(a.MaxBits), fmt.Sprint(a.Threshold), fmt.Sprintf("%s (%d)", fmtPct(float64(a.OverThreshold)/float64(a.JPEGs)), a.OverThreshold)})
	}
	d.fold(fmt.Sprintf("Table: hashes moved by the decoder alone, %d JPEG files", n))
	d.table([]string{"algorithm", "files whose hash changed", "mean bits moved", "most bits moved", "threshold (bits)", "files beyond the threshold"}, rows)
	d.unfold()
	w, matters := driftMatters(x)
	switch {
	case w.Algorithm == "":
		d.p("**What this means:** no algorithm had a threshold to compare the drift with.")
	case w.OverThreshold > 0:
		d.p("**What this means:** the decoder alone broke matches: %d of %d JPEG files hashed with %s no longer match their own hash from the other decoder (up to %d bits against a threshold of %d). Hashes must be computed with the decoder the list's hashes were made with, or listed images are missed for reasons unrelated to any edit.",
			w.OverThreshold, w.JPEGs, w.Algorithm, w.MaxBits, w.Threshold)
	case matters:
		d.p("**What this means:** the decoder alone used up to %d of %s's %d-bit match budget (%d of %d files changed), leaving less room for real edits; hashes should be computed with the decoder the list's hashes were made with (privmatch's default decodes as libjpeg-turbo does).",
			w.MaxBits, w.Algorithm, w.Threshold, w.Changed, w.JPEGs)
	default:
		d.p("**What this means:** on these %d JPEG files the decoder's largest move, relative to the algorithm's threshold, was %d bits of %s's %d: small next to everyday edits, though a few files cannot show the tail of a large collection.",
			n, w.MaxBits, w.Algorithm, w.Threshold)
	}
}
