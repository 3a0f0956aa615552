package jpeg_test

import (
	"fmt"
	"log"
	"os"

	"github.com/privmatch/privmatch/phash/jpeg"
)

// Decode a file into a reusable packed-RGB buffer, as libjpeg-turbo would.
func ExampleDecodeRGB() {
	data, err := os.ReadFile("testdata/libjpeg/cj_127x61_smooth_q90_2x2-1x1-1x1.jpg")
	if err != nil {
		log.Fatal(err)
	}
	var buf []byte
	buf, w, h, warn, err := jpeg.DecodeRGB(buf, data, jpeg.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(w, h, len(buf), warn.Any())
	// Output: 127 61 23241 false
}
