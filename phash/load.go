package phash

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"io"
	"os"

	// Formats Load and Decode accept.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/tiff"
	_ "golang.org/x/image/webp"

	"github.com/privmatch/privmatch/internal/pixels"
	"github.com/privmatch/privmatch/phash/jpeg"
)

// DefaultMaxPixels is the largest image (width x height) Decode accepts
// unless LoadOptions.MaxPixels says otherwise: 100 megapixels, enough for any
// camera photo and a guard against decompression bombs.
const DefaultMaxPixels = 100 << 20

// DefaultMaxFileBytes is the largest file Load reads unless
// LoadOptions.MaxFileBytes says otherwise.
const DefaultMaxFileBytes = 256 << 20

// JPEGDecoder selects how Load and Decode decode JPEG files.
type JPEGDecoder int

const (
	// JPEGLibjpeg, the default, decodes with package phash/jpeg to the
	// pixels libjpeg-turbo's default decompression gives: those the PDQ
	// reference (through CImg) and Python imagehash (through Pillow) hash.
	// Data cut short returns an error (libjpeg would decode the missing
	// part as flat grey; phash/jpeg can, with its Warnings); other damage
	// libjpeg only warns about decodes as libjpeg decodes it.
	JPEGLibjpeg JPEGDecoder = iota
	// JPEGGo decodes with Go's image/jpeg, whose IDCT, chroma upsampling
	// and colour conversion differ from libjpeg's by a few levels.
	JPEGGo
)

// JPEGDecoders lists the names ParseJPEGDecoder accepts.
var JPEGDecoders = []string{"libjpeg", "go"}

// String returns the decoder's name: "libjpeg" or "go".
func (d JPEGDecoder) String() string {
	if d == JPEGGo {
		return "go"
	}
	return "libjpeg"
}

// ParseJPEGDecoder returns the decoder named s ("libjpeg" or "go").
func ParseJPEGDecoder(s string) (JPEGDecoder, error) {
	switch s {
	case "libjpeg":
		return JPEGLibjpeg, nil
	case "go":
		return JPEGGo, nil
	}
	return 0, fmt.Errorf("phash: unknown JPEG decoder %q (want libjpeg or go)", s)
}

// LoadOptions controls how Load and Decode turn bytes into an image.
// The zero value is the reference behaviour: pixels as stored and as
// libjpeg-turbo decodes JPEG, EXIF orientation ignored (as PDQ's and
// imagehash's references do).
type LoadOptions struct {
	// ApplyOrientation rotates and flips the image as its EXIF Orientation
	// tag (JPEG APP1, TIFF IFD0, WebP EXIF chunk, PNG eXIf chunk) says,
	// so that it hashes as a viewer displays it.
	ApplyOrientation bool
	// MaxPixels bounds width x height; 0 means DefaultMaxPixels.
	MaxPixels int
	// MaxFileBytes bounds the bytes Load reads; 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// Decoder selects the JPEG decoder; other formats are unaffected.
	Decoder JPEGDecoder
}

// Formats lists the image formats Load and Decode accept.
var Formats = []string{"jpeg", "png", "gif", "bmp", "tiff", "webp"}

// Load reads and decodes the image file at path. Errors name the file.
func Load(path string, opts LoadOptions) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("phash: %w", err)
	}
	defer f.Close()
	limit := opts.MaxFileBytes
	if limit <= 0 {
		limit = DefaultMaxFileBytes
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("phash: read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("phash: %s: file larger than %d bytes", path, limit)
	}
	img, err := DecodeBytes(data, opts)
	if err != nil {
		return nil, fmt.Errorf("phash: %s: %w", path, err)
	}
	return img, nil
}

// DecodeBytes decodes an image held in memory. A corrupt, truncated or
// hostile input returns an error; it never panics.
func DecodeBytes(data []byte, opts LoadOptions) (img image.Image, err error) {
	maxPix := opts.MaxPixels
	if maxPix <= 0 {
		maxPix = DefaultMaxPixels
	}
	defer func() {
		// The standard decoders are not known to panic, but the bytes are
		// hostile: turn any decoder panic into an error.
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("decode: decoder failed: %v", r)
		}
	}()
	if opts.Decoder == JPEGLibjpeg && len(data) >= 2 && data[0] == 0xff && data[1] == 0xd8 {
		var warn jpeg.Warnings
		img, warn, err = jpeg.DecodeBytes(data, jpeg.Options{MaxPixels: maxPix})
		if err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		if warn.Truncated > 0 {
			// libjpeg would hash grey where data is missing; refuse, as
			// image/jpeg and Pillow do.
			return nil, fmt.Errorf("decode jpeg: compressed data truncated or interrupted by a marker (%d times)", warn.Truncated)
		}
		return orient(img, data, opts), nil
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("decode: %s image has size %dx%d", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > int64(maxPix) {
		return nil, fmt.Errorf("decode: %s image of %dx%d exceeds %d pixels", format, cfg.Width, cfg.Height, maxPix)
	}
	img, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", format, err)
	}
	if img.Bounds().Empty() {
		return nil, fmt.Errorf("decode %s: empty image", format)
	}
	return orient(img, data, opts), nil
}

// orient applies the EXIF orientation when opts ask for it.
func orient(img image.Image, data []byte, opts LoadOptions) image.Image {
	if opts.ApplyOrientation {
		if o := ExifOrientation(data); o > 1 {
			img = Orient(img, o)
		}
	}
	return img
}

// Decode reads an image from r (see DecodeBytes).
func Decode(r io.Reader, opts LoadOptions) (image.Image, error) {
	limit := opts.MaxFileBytes
	if limit <= 0 {
		limit = DefaultMaxFileBytes
	}
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("phash: read image: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("phash: image larger than %d bytes", limit)
	}
	img, err := DecodeBytes(data, opts)
	if err != nil {
		return nil, fmt.Errorf("phash: %w", err)
	}
	return img, nil
}

// Orient returns img rotated and flipped as EXIF orientation o (1..8)
// prescribes for display; other values return img unchanged. The result is
// an *image.NRGBA with bounds at the origin holding img's un-premultiplied
// colours, fully opaque.
func Orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	rgb, w, h := pixels.RGB(nil, img)
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirror horizontally
				sx, sy = w-1-x, y
			case 3: // rotate 180
				sx, sy = w-1-x, h-1-y
			case 4: // mirror vertically
				sx, sy = x, h-1-y
			case 5: // transpose
				sx, sy = y, x
			case 6: // rotate 90 clockwise
				sx, sy = y, h-1-x
			case 7: // transverse
				sx, sy = w-1-y, h-1-x
			case 8: // rotate 90 counter-clockwise
				sx, sy = w-1-y, x
			}
			i := 3 * (sy*w + sx)
			dst.SetNRGBA(x, y, color.NRGBA{rgb[i], rgb[i+1], rgb[i+2], 0xff})
		}
	}
	return dst
}
