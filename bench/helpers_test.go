package bench

import "github.com/privmatch/privmatch/phash/transform"

type transformStep struct {
	name string
	s    float64
}

func toSteps(ts []transformStep) []transform.Step {
	out := make([]transform.Step, len(ts))
	for i, t := range ts {
		out[i] = transform.Step{Transform: t.name, Strength: t.s}
	}
	return out
}
