package main

import (
	"errors"
	"fmt"
	"image"
	"io/fs"
	"strings"

	"github.com/privmatch/privmatch/phash"
)

// userError drops the library's package prefix from an error message:
// "phash: open x.png" reads to a user as if the pHash algorithm failed.
func userError(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Path + ": " + pe.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), "phash: ")
}

// loadImage reads and decodes an image file, with an error that names the
// file as an image.
func loadImage(path string, opts phash.LoadOptions) (image.Image, error) {
	img, err := phash.Load(path, opts)
	if err != nil {
		return nil, fmt.Errorf("image %s", strings.TrimPrefix(userError(err), "read "))
	}
	return img, nil
}

// hasherByName looks up a hash algorithm, with an error that says it is a
// hash algorithm that is unknown.
func hasherByName(name string) (phash.Hasher, error) {
	h, err := phash.ByName(name)
	if err != nil {
		return nil, fmt.Errorf("unknown hash algorithm %q (known: %s)", name, strings.Join(phash.Names(), ", "))
	}
	return h, nil
}

// validated says whether a hasher's match threshold has a published basis
// (the README's table marks the others "not validated").
func validated(h phash.Hasher) bool {
	return !strings.Contains(h.Threshold().Source, "not validated")
}
