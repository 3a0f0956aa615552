package bench

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestParseAttackResults(t *testing.T) {
	ok := `{"kind":"evade","algorithm":"pdq","model":"white","psnr_min":40,"query_budget":40,"dihedral":true,
	"results":[{"image":"a","success":true,"psnr":null},{"image":"b","success":false,"psnr":35},{"image":"c","error":"x","success":true}]}`
	s, err := ParseAttackResults([]byte(ok), "f.json")
	if err != nil {
		t.Fatal(err)
	}
	if s.Images != 2 || s.Successes != 1 || s.Source != "f.json" || !s.Dihedral || !math.IsInf(float64(s.Records[0].PSNR), 1) {
		t.Fatalf("section %+v", s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("an unchanged image's +Inf PSNR must encode: %v", err)
	}
	if !strings.Contains(string(b), `"psnr":null`) {
		t.Fatalf("+Inf PSNR not written as null: %s", b)
	}
	for _, bad := range []string{``, `[]`, `{}`, `{"kind":"evade"}`, `{"results":[]}`, `{"kind":"fly","results":[]}`,
		`{"kind":"evade","results":[{"psnr":"x"}]}`} {
		if _, err := ParseAttackResults([]byte(bad), "bad"); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func FuzzParseAttackResults(f *testing.F) {
	f.Add([]byte(`{"kind":"evade","results":[{"image":"a","success":true}]}`))
	f.Add([]byte(`{"kind":"collide","results":[{"error":"e"},{"psnr":null,"ssim":1}]}`))
	f.Add([]byte(`{"kind":"evade","results":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseAttackResults(b, "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bench: attack results fuzz: ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		if s.Successes > s.Images || s.Images > len(s.Records) || (s.Kind != "evade" && s.Kind != "collide") {
			t.Fatalf("inconsistent section %+v", s)
		}
		// What parses must encode and parse back to the same tallies.
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		var back AttackSection
		if err := json.Unmarshal(out, &back); err != nil || back.Images != s.Images || back.Successes != s.Successes {
			t.Fatalf("round trip: %v %+v", err, back)
		}
	})
}
