package core

import (
	"encoding/binary"
	"fmt"
)

// HeaderLen is the size of the header every wire object of every engine
// starts with: magic "PM" (2), kind (1), version (1), parameter
// fingerprint (8, little-endian).
const HeaderLen = 12

// headerVersion is the layout version of this build's wire objects.
const headerVersion = 2

// Kinds of wire object. Each engine owns a range, so an object of one
// engine is refused by another.
const (
	KindExactAnswer  byte = 0x02
	KindExactReply   byte = 0x03
	KindExactCipher  byte = 0x05
	KindExactQuery   byte = 0x06
	KindExactEvalKey byte = 0x07
	KindExactBinKeys byte = 0x08
	KindExactBinAns  byte = 0x09

	KindHammingKeys   byte = 0x11
	KindHammingQuery  byte = 0x12
	KindHammingAnswer byte = 0x13
	KindHammingReply  byte = 0x14

	KindImageKeys   byte = 0x21
	KindImageQuery  byte = 0x22
	KindImageAnswer byte = 0x23

	KindHashMatchKeys byte = 0x31
)

// PutHeader appends the header of an object of the given kind made under
// the parameters fingerprinted by id.
func PutHeader(dst []byte, kind byte, id uint64) []byte {
	dst = append(dst, 'P', 'M', kind, headerVersion)
	return binary.LittleEndian.AppendUint64(dst, id)
}

// CheckHeader checks magic, kind, version and fingerprint.
func CheckHeader(src []byte, kind byte, id uint64) error {
	if len(src) < HeaderLen {
		return fmt.Errorf("truncated header: %d bytes", len(src))
	}
	if src[0] != 'P' || src[1] != 'M' {
		return fmt.Errorf("bad magic %x", src[:2])
	}
	if src[2] != kind {
		return fmt.Errorf("object kind %#x, want %#x", src[2], kind)
	}
	if src[3] != headerVersion {
		return fmt.Errorf("unsupported version %d", src[3])
	}
	if got := binary.LittleEndian.Uint64(src[4:12]); got != id {
		return fmt.Errorf("made under other parameters (id %016x, want %016x)", got, id)
	}
	return nil
}
