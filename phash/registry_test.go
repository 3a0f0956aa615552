package phash

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// renamed is a registered hasher under another name, for registry tests.
type renamed struct {
	Hasher
	name string
}

func (r renamed) Name() string { return r.name }

// TestRegisterConcurrent registers hashers while other goroutines read the
// registry (run it under -race: an unlocked map fails there), then checks
// that every one is listed, in the canonical order after the built-ins,
// and that a second registration of a name panics.
func TestRegisterConcurrent(t *testing.T) {
	before := Names()
	const n = 16
	var added []string
	t.Cleanup(func() {
		regMu.Lock()
		defer regMu.Unlock()
		for _, name := range added {
			delete(registry, name)
		}
	})
	for i := range n {
		added = append(added, fmt.Sprintf("zz-test-%02d", i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			Register(renamed{PDQ, added[i]})
		}()
		go func() {
			defer wg.Done()
			for _, h := range All() {
				if h == nil {
					t.Error("All returned a nil hasher")
					return
				}
			}
			if _, err := ByName("pdq"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	want := append(slices.Clone(before), added...)
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("names after registering:\n got %v\nwant %v", got, want)
	}
	for _, name := range added {
		h, err := ByName(name)
		if err != nil || h.Name() != name {
			t.Fatalf("ByName(%q) = %v, %v", name, h, err)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a taken name did not panic")
		}
	}()
	Register(renamed{PDQ, added[0]})
}
