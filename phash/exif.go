package phash

import (
	"bytes"
	"encoding/binary"
)

// ExifOrientation returns the EXIF Orientation tag (1..8) of an encoded
// image, looking in a JPEG's APP1 Exif segment, a TIFF file's first IFD, a
// WebP file's EXIF chunk or a PNG file's eXIf chunk. It returns 1 (as
// stored) when there is no tag or the metadata is malformed: orientation is
// a display hint, and a broken hint must not fail the hash.
func ExifOrientation(data []byte) int {
	var tiff []byte
	switch {
	case len(data) >= 2 && data[0] == 0xff && data[1] == 0xd8:
		tiff = jpegExif(data)
	case len(data) >= 4 && (string(data[:4]) == "II*\x00" || string(data[:4]) == "MM\x00*"):
		tiff = data
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		tiff = webpExif(data)
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		tiff = pngExif(data)
	}
	if o := tiffOrientation(tiff); o >= 1 && o <= 8 {
		return o
	}
	return 1
}

// jpegExif returns the TIFF payload of the first APP1 Exif segment.
func jpegExif(data []byte) []byte {
	i := 2
	for i+4 <= len(data) {
		if data[i] != 0xff {
			return nil
		}
		marker := data[i+1]
		if marker == 0xff { // fill byte
			i++
			continue
		}
		if marker == 0xda || marker == 0xd9 { // start of scan, end of image
			return nil
		}
		if marker >= 0xd0 && marker <= 0xd7 || marker == 0x01 { // no length
			i += 2
			continue
		}
		n := int(binary.BigEndian.Uint16(data[i+2:]))
		if n < 2 || i+2+n > len(data) {
			return nil
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return seg[6:]
		}
		i += 2 + n
	}
	return nil
}

// webpExif returns the payload of a WebP file's EXIF chunk.
func webpExif(data []byte) []byte {
	i := 12
	for i+8 <= len(data) {
		size := int(binary.LittleEndian.Uint32(data[i+4:]))
		if size < 0 || size > len(data)-i-8 {
			return nil
		}
		if string(data[i:i+4]) == "EXIF" {
			p := data[i+8 : i+8+size]
			return bytes.TrimPrefix(p, []byte("Exif\x00\x00"))
		}
		i += 8 + size + size&1
	}
	return nil
}

// pngExif returns the payload of a PNG file's eXIf chunk.
func pngExif(data []byte) []byte {
	i := 8
	for i+8 <= len(data) {
		size := int(binary.BigEndian.Uint32(data[i:]))
		if size < 0 || size > len(data)-i-12 {
			return nil
		}
		typ := string(data[i+4 : i+8])
		if typ == "eXIf" {
			return data[i+8 : i+8+size]
		}
		if typ == "IDAT" || typ == "IEND" {
			return nil // eXIf must come before the image data
		}
		i += 12 + size
	}
	return nil
}

// tiffOrientation reads tag 0x0112 from the first IFD of TIFF-structured
// data, or returns 0.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > int64(len(t)) {
		return 0
	}
	n := int64(bo.Uint16(t[off:]))
	for k := int64(0); k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > int64(len(t)) {
			return 0
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		if typ, count := bo.Uint16(t[e+2:]), bo.Uint32(t[e+4:]); typ != 3 || count != 1 {
			return 0 // SHORT, one value
		}
		return int(bo.Uint16(t[e+8:]))
	}
	return 0
}
