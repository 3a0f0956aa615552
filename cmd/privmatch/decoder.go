package main

import (
	"flag"

	"github.com/privmatch/privmatch/phash"
)

// decoderFlag registers --decoder on fs, the JPEG decoder of every command
// that reads images, and returns where the choice is stored.
func decoderFlag(fs *flag.FlagSet) *phash.JPEGDecoder {
	d := new(phash.JPEGDecoder)
	fs.Var((*decoderValue)(d), "decoder", "JPEG decoder: libjpeg (default: the pixels libjpeg-turbo, so Pillow and the PDQ reference, decode) or go (Go's image/jpeg)")
	return d
}

// decoderValue is a phash.JPEGDecoder as a flag.Value.
type decoderValue phash.JPEGDecoder

func (v *decoderValue) String() string {
	if v == nil {
		return phash.JPEGLibjpeg.String()
	}
	return phash.JPEGDecoder(*v).String()
}

func (v *decoderValue) Set(s string) error {
	d, err := phash.ParseJPEGDecoder(s)
	if err != nil {
		return err
	}
	*v = decoderValue(d)
	return nil
}
