package main

import (
	"slices"
	"testing"
)

// TestParseSizes: -rows takes one count or a list; anything else is refused.
func TestParseSizes(t *testing.T) {
	for in, want := range map[string][]int{"1000000": {1000000}, "1000000, 10000000": {1000000, 10000000}} {
		if got, err := parseSizes(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("parseSizes(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "1e6", "10,", "-5"} {
		if got, err := parseSizes(in); err == nil {
			t.Errorf("parseSizes(%q) = %v, want an error", in, got)
		}
	}
}
