// Package jpeg decodes JPEG images to the same pixels libjpeg-turbo's default
// decompression produces, in pure Go.
//
// Start here: DecodeRGB decodes into a packed 8-bit RGB buffer (the input of
// every privmatch hasher) and reuses the caller's buffer; Decode and
// DecodeBytes return an image.Image (*RGB, *image.Gray or *image.CMYK).
//
// For an intact file the output equals, byte for byte, libjpeg-turbo's
// default decompression (what Pillow and CImg call): the JDCT_ISLOW integer inverse DCT with
// libjpeg's fixed-point constants and descaling, "fancy" (triangular) chroma
// upsampling for 2x1, 2x2 and 1x2 subsampling and replication for other
// integral factors, and libjpeg's fixed-point YCbCr->RGB tables and rounding.
// Baseline and progressive Huffman coding, restart markers, greyscale, RGB,
// CMYK and Adobe YCCK images are supported; arithmetic coding, lossless and
// 12-bit JPEG are not.
//
// Corrupt and truncated data are handled as libjpeg does: when the
// compressed data ends early or a marker interrupts it, the missing bits
// read as zeros and the rest of the segment decodes as flat grey; a bad
// Huffman code reads as symbol 0. Such images decode without an error unless
// Options.Strict is set, and the events are counted in the Warnings that
// DecodeBytes and DecodeRGB return. Two differences remain on damaged data:
// libjpeg-turbo smooths the blocks of a truncated progressive image whose
// coefficients never arrived (block smoothing), which this package does
// not; and coefficients corrupt enough to overflow libjpeg-turbo's 16-bit
// SIMD IDCT can decode differently. Hostile input never panics, and sizes
// and scan counts are bounded (Options.MaxPixels, 1000 scans).
//
// The package imports nothing from privmatch, so other programs may use it.
package jpeg

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
)

// DefaultMaxPixels bounds width x height when Options.MaxPixels is 0.
const DefaultMaxPixels = 100 << 20

// ErrFormat is wrapped by every error about malformed or unsupported input.
var ErrFormat = errors.New("invalid or unsupported JPEG data")

// Options controls decoding. The zero value decodes as libjpeg-turbo does.
type Options struct {
	// MaxPixels bounds width x height; 0 means DefaultMaxPixels.
	MaxPixels int
	// Strict turns every condition libjpeg only warns about (truncated
	// data, an unexpected marker inside compressed data, a bad Huffman
	// code) into an error.
	Strict bool
}

// Warnings counts conditions libjpeg-turbo recovers from with a warning.
type Warnings struct {
	// Truncated: the compressed data ended or was interrupted by a marker,
	// and missing bits were read as zeros.
	Truncated int
	// BadCode: a Huffman code not in the table, read as symbol 0.
	BadCode int
	// Extraneous: bytes skipped before a marker.
	Extraneous int
}

// Any reports whether any warning was counted.
func (w Warnings) Any() bool { return w.Truncated+w.BadCode+w.Extraneous > 0 }

// RGB is an image of packed 8-bit R, G, B samples, fully opaque: the
// layout privmatch's hashers read, so no conversion is needed.
type RGB struct {
	// Pix holds the samples in row-major order, 3 bytes per pixel.
	Pix []uint8
	// Stride is the distance in bytes between vertically adjacent pixels.
	Stride int
	// Rect is the image's bounds.
	Rect image.Rectangle
}

// ColorModel returns color.RGBAModel.
func (p *RGB) ColorModel() color.Model { return color.RGBAModel }

// Bounds returns the image's bounds.
func (p *RGB) Bounds() image.Rectangle { return p.Rect }

// At returns the colour of the pixel at (x, y).
func (p *RGB) At(x, y int) color.Color { return p.RGBAAt(x, y) }

// RGBAAt returns the colour of the pixel at (x, y) as color.RGBA.
func (p *RGB) RGBAAt(x, y int) color.RGBA {
	if !(image.Point{x, y}.In(p.Rect)) {
		return color.RGBA{}
	}
	i := (y-p.Rect.Min.Y)*p.Stride + (x-p.Rect.Min.X)*3
	return color.RGBA{p.Pix[i], p.Pix[i+1], p.Pix[i+2], 0xff}
}

// Opaque reports true: JPEG has no alpha.
func (p *RGB) Opaque() bool { return true }

// PackedRGB returns the samples as packed rows of 3*width bytes with the
// given stride, for callers that read RGB without At.
func (p *RGB) PackedRGB() (pix []byte, stride int) { return p.Pix, p.Stride }

// DecodeConfig returns the colour model and size of a JPEG image without
// decoding its pixels.
func DecodeConfig(r io.Reader) (image.Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return image.Config{}, fmt.Errorf("jpeg: read: %w", err)
	}
	d := &decoder{data: data}
	if err := d.readHeader(); err != nil {
		return image.Config{}, err
	}
	var m color.Model
	switch len(d.comps) {
	case 1:
		m = color.GrayModel
	case 3:
		m = color.RGBAModel
	default:
		m = color.CMYKModel
	}
	return image.Config{ColorModel: m, Width: d.width, Height: d.height}, nil
}

// Decode reads a JPEG image from r with default Options.
func Decode(r io.Reader) (image.Image, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("jpeg: read: %w", err)
	}
	img, _, err := DecodeBytes(data, Options{})
	return img, err
}

// DecodeBytes decodes a JPEG image held in memory. Greyscale images return
// *image.Gray, three-component images *RGB, and four-component (CMYK or
// YCCK) images *image.CMYK holding ink amounts with Adobe's inversion undone
// (as image/jpeg and Pillow present them).
func DecodeBytes(data []byte, opts Options) (image.Image, Warnings, error) {
	d := &decoder{data: data, opts: opts}
	defer d.release()
	if err := d.decode(); err != nil {
		return nil, d.warn, err
	}
	r := image.Rect(0, 0, d.width, d.height)
	switch len(d.comps) {
	case 1:
		img := image.NewGray(r)
		d.outputGray(img.Pix, img.Stride)
		return img, d.warn, nil
	case 3:
		img := &RGB{Pix: make([]byte, 3*d.width*d.height), Stride: 3 * d.width, Rect: r}
		if err := d.outputRGB(img.Pix); err != nil {
			return nil, d.warn, err
		}
		return img, d.warn, nil
	default:
		img := image.NewCMYK(r)
		d.outputCMYK(img.Pix, img.Stride)
		return img, d.warn, nil
	}
}

// DecodeRGB decodes a JPEG image held in memory into packed 8-bit RGB,
// w*h*3 bytes, reusing dst when it is large enough. Greyscale images give
// R = G = B; CMYK images are converted with image/color's CMYKToRGB.
func DecodeRGB(dst, data []byte, opts Options) (rgb []byte, w, h int, warn Warnings, err error) {
	d := &decoder{data: data, opts: opts}
	defer d.release()
	if err := d.decode(); err != nil {
		return nil, 0, 0, d.warn, err
	}
	w, h = d.width, d.height
	n := 3 * w * h
	if cap(dst) < n {
		dst = make([]byte, n)
	}
	rgb = dst[:n]
	switch len(d.comps) {
	case 1:
		d.outputGray(rgb[2*w*h:], w) // the last third, expanded in place below
		g := rgb[2*w*h:]
		for i := 0; i < w*h; i++ {
			v := g[i]
			rgb[3*i], rgb[3*i+1], rgb[3*i+2] = v, v, v
		}
	case 3:
		if err := d.outputRGB(rgb); err != nil {
			return nil, 0, 0, d.warn, err
		}
	default:
		cmyk := make([]byte, 4*w*h)
		d.outputCMYK(cmyk, 4*w)
		for i := 0; i < w*h; i++ {
			c := cmyk[4*i : 4*i+4]
			rgb[3*i], rgb[3*i+1], rgb[3*i+2] = color.CMYKToRGB(c[0], c[1], c[2], c[3])
		}
	}
	return rgb, w, h, d.warn, nil
}
