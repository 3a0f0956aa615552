package bench

import (
	"encoding/json"
	"math"
)

// marshalFinite encodes f as a JSON number, or as null when it is infinite
// or NaN, which JSON cannot hold.
func marshalFinite(f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// unmarshalFinite decodes a JSON number, reading null as ifNull.
func unmarshalFinite(b []byte, ifNull float64) (float64, error) {
	if string(b) == "null" {
		return ifNull, nil
	}
	var f float64
	err := json.Unmarshal(b, &f)
	return f, err
}
