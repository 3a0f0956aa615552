package bench

import "fmt"

// ROCPoint is one threshold's operating point.
type ROCPoint struct {
	Threshold      int     `json:"threshold"`
	FalseMatchRate float64 `json:"false_match_rate"`
	Recall         float64 `json:"recall"`
}

// ROCCurve is recall against false-match rate over every threshold
// 0..Bits, for one edit (or "all" edits pooled).
type ROCCurve struct {
	Step   string     `json:"step"`
	Points []ROCPoint `json:"points"`
}

// ROC pairs a collision measurement with a robustness measurement of the
// same algorithm: for each step, and for all steps pooled, the recall at
// each threshold against the false-match rate at that threshold.
func ROC(col *CollisionResult, rob *RobustnessResult) ([]ROCCurve, error) {
	if col == nil || rob == nil || col.Algorithm != rob.Algorithm || col.Bits != rob.Bits || len(col.Rates) != col.Bits+1 {
		return nil, fmt.Errorf("bench: roc: collision and robustness results do not match")
	}
	pooled := make([]int64, col.Bits+1)
	var pooledN int64
	curve := func(name string, counts []int64, n int64) ROCCurve {
		c := ROCCurve{Step: name, Points: make([]ROCPoint, col.Bits+1)}
		var cum int64
		for t := range c.Points {
			cum += counts[t]
			r := 0.0
			if n > 0 {
				r = float64(cum) / float64(n)
			}
			c.Points[t] = ROCPoint{Threshold: t, FalseMatchRate: col.Rates[t].Rate, Recall: r}
		}
		return c
	}
	var out []ROCCurve
	for _, s := range rob.Steps {
		for d, n := range s.Counts {
			pooled[d] += n
		}
		pooledN += int64(s.Images)
		out = append(out, curve(s.Step.String(), s.Counts, int64(s.Images)))
	}
	return append(out, curve("all", pooled, pooledN)), nil
}
