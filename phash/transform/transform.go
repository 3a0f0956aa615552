// Package transform is a deterministic suite of image edits used to measure
// how robust perceptual hashes are (bench's robustness suite, and scale's
// at corpus scale): JPEG re-encoding, resizing, cropping, padding, rotation, flips,
// blur, sharpening, noise, tone changes, grayscale, text and logo overlays,
// and a screenshot-like re-render.
//
// Start here: iterate the standard suite and apply each step to an image:
//
//	for _, s := range transform.Suite() {
//		out, err := s.Apply(img, seed)
//		...
//	}
//
// Every transform is a pure function of (image, strength, seed): the same
// inputs give the same output pixels on a given platform, and no global
// state or clock is read. Randomness (noise, crop and overlay positions) comes
// from a PCG generator seeded with seed. The source is read through its
// Bounds, which need not start at (0,0); results are *image.NRGBA with
// bounds starting at (0,0), alpha forced opaque. Resampling uses
// golang.org/x/image/draw's interpolators, named in each transform's doc.
package transform

import (
	"fmt"
	"image"
	"math"
	"strconv"
)

// Func is the body of a transform. It receives an opaque NRGBA copy of the
// source with bounds at (0,0) that it may modify, and a strength already
// checked against the transform's range.
type Func func(src *image.NRGBA, strength float64, seed uint64) (*image.NRGBA, error)

// Transform is one named image edit with a strength parameter.
type Transform struct {
	// Name is the registry name, such as "crop" or "jpeg".
	Name string
	// Strength says what the strength parameter means and its unit.
	Strength string
	// Min and Max bound the valid strengths (inclusive).
	Min, Max float64
	// Suite lists the strengths the standard suite applies.
	Suite []float64
	fn    Func
}

// Apply runs the transform on src. It fails for an empty image or a
// strength outside [Min, Max]; it never modifies src.
func (t Transform) Apply(src image.Image, strength float64, seed uint64) (*image.NRGBA, error) {
	if src == nil || src.Bounds().Empty() {
		return nil, fmt.Errorf("transform: %s: empty image", t.Name)
	}
	if math.IsNaN(strength) || strength < t.Min || strength > t.Max {
		return nil, fmt.Errorf("transform: %s: strength %v outside [%v, %v] (%s)", t.Name, strength, t.Min, t.Max, t.Strength)
	}
	out, err := t.fn(toNRGBA(src), strength, seed)
	if err != nil {
		return nil, fmt.Errorf("transform: %s=%v: %w", t.Name, strength, err)
	}
	return out, nil
}

// Step is one transform at one strength, the unit of the robustness suite.
type Step struct {
	Transform string  `json:"transform"`
	Strength  float64 `json:"strength"`
}

// String returns "name=strength", such as "crop=0.05".
func (s Step) String() string {
	return s.Transform + "=" + strconv.FormatFloat(s.Strength, 'g', -1, 64)
}

// Apply looks the step's transform up and applies it.
func (s Step) Apply(src image.Image, seed uint64) (*image.NRGBA, error) {
	t, err := ByName(s.Transform)
	if err != nil {
		return nil, err
	}
	return t.Apply(src, s.Strength, seed)
}

// All returns every transform in a fixed order.
func All() []Transform {
	return append([]Transform(nil), registry...)
}

// ByName returns the transform with the given name.
func ByName(name string) (Transform, error) {
	for _, t := range registry {
		if t.Name == name {
			return t, nil
		}
	}
	names := make([]string, len(registry))
	for i, t := range registry {
		names[i] = t.Name
	}
	return Transform{}, fmt.Errorf("transform: unknown transform %q (known: %v)", name, names)
}

// Suite returns the standard robustness suite: every transform at each of
// its Suite strengths, in a fixed order.
func Suite() []Step {
	var out []Step
	for _, t := range registry {
		for _, s := range t.Suite {
			out = append(out, Step{Transform: t.Name, Strength: s})
		}
	}
	return out
}

// registry lists the transforms in their canonical order.
var registry = []Transform{
	{Name: "jpeg", Strength: "JPEG quality 1..100 (Go image/jpeg encoder, 4:2:0; decoded as libjpeg-turbo does)", Min: 1, Max: 100, Suite: []float64{95, 75, 50, 30}, fn: jpegFn},
	{Name: "resize", Strength: "scale factor of both sides (CatmullRom)", Min: 0.05, Max: 4, Suite: []float64{0.25, 0.5, 2}, fn: resizeFn},
	{Name: "crop", Strength: "fraction of width and of height removed, split between the two sides by seed", Min: 0, Max: 0.9, Suite: []float64{0.01, 0.02, 0.05, 0.1, 0.2}, fn: cropFn},
	{Name: "pad", Strength: "border width on each side as a fraction of that dimension; border colour by seed", Min: 0, Max: 1, Suite: []float64{0.02, 0.05, 0.1, 0.2}, fn: padFn},
	{Name: "rotate", Strength: "degrees counter-clockwise; multiples of 90 are exact pixel moves, others rotate about the centre on the same canvas (BiLinear, black fill)", Min: -360, Max: 360, Suite: []float64{1, 2, 4, 6, 10, 90}, fn: rotateFn},
	{Name: "flip-h", Strength: "1 mirrors left-right, 0 is the identity", Min: 0, Max: 1, Suite: []float64{1}, fn: flipHFn},
	{Name: "flip-v", Strength: "1 mirrors top-bottom, 0 is the identity", Min: 0, Max: 1, Suite: []float64{1}, fn: flipVFn},
	{Name: "blur", Strength: "Gaussian sigma in pixels (separable, clamped edges)", Min: 0, Max: 50, Suite: []float64{0.5, 1, 2, 4}, fn: blurFn},
	{Name: "sharpen", Strength: "unsharp-mask amount at sigma 1", Min: 0, Max: 10, Suite: []float64{0.5, 1, 2}, fn: sharpenFn},
	{Name: "noise", Strength: "standard deviation of Gaussian noise in 8-bit levels, independent per channel", Min: 0, Max: 128, Suite: []float64{2, 5, 10, 20}, fn: noiseFn},
	{Name: "gamma", Strength: "gamma exponent: out = 255*(in/255)^gamma", Min: 0.1, Max: 10, Suite: []float64{0.5, 0.8, 1.25, 2}, fn: gammaFn},
	{Name: "brightness", Strength: "offset added to every channel as a fraction of 255", Min: -1, Max: 1, Suite: []float64{-0.2, -0.1, 0.1, 0.2}, fn: brightnessFn},
	{Name: "contrast", Strength: "factor applied about mid-grey 127.5", Min: 0, Max: 4, Suite: []float64{0.5, 0.8, 1.25, 1.5}, fn: contrastFn},
	{Name: "grayscale", Strength: "blend towards BT.601 luma, 0 none, 1 full", Min: 0, Max: 1, Suite: []float64{1}, fn: grayscaleFn},
	{Name: "text", Strength: "text height as a fraction of image height (basicfont 7x13 scaled by NearestNeighbor); position by seed", Min: 0, Max: 1, Suite: []float64{0.05, 0.1, 0.2}, fn: textFn},
	{Name: "logo", Strength: "fraction of image area covered by the logo's bounding square; position by seed", Min: 0, Max: 1, Suite: []float64{0.01, 0.05, 0.1}, fn: logoFn},
	{Name: "screenshot", Strength: "downscale factor before upscaling back (BiLinear both ways), then a seeded colour shift of up to 4 levels and JPEG quality 90", Min: 0.05, Max: 1, Suite: []float64{0.9, 0.75, 0.5}, fn: screenshotFn},
}
