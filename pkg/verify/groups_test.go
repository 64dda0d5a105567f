package verify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

func TestGroupBounds(t *testing.T) {
	tests := []struct {
		g, w        int64
		first, last string
	}{
		{0, 4, "-3", "3"},
		{1, 4, "4", "7"},
		{2, 4, "8", "11"},
		{-1, 4, "-7", "-4"},
		{-2, 4, "-11", "-8"},
		{4611686018427387903, 2, "9223372036854775806", "9223372036854775807"},
		{-4611686018427387904, 2, "-9223372036854775809", "-9223372036854775808"}, // first is past the type: never used alone
		{9223372036854775807, 2, "18446744073709551614", "18446744073709551615"},
	}
	for _, tt := range tests {
		f, l := groupBounds(tt.g, tt.w)
		if f.String() != tt.first || l.String() != tt.last {
			t.Errorf("groupBounds(%d, %d) = %s, %s; want %s, %s", tt.g, tt.w, f, l, tt.first, tt.last)
		}
	}
}

// gd is a group digest of n rows whose hashes are all h.
func gd(g int64, n int, h uint64) dialect.GroupDigest {
	var d checksum.Digest
	for range n {
		d.Add(h, h)
	}
	return dialect.GroupDigest{Group: g, Digest: d}
}

func TestDifferingRuns(t *testing.T) {
	tests := []struct {
		name    string
		s, t    []dialect.GroupDigest
		maxRows int64
		want    string
	}{
		{"equal", []dialect.GroupDigest{gd(1, 3, 1), gd(2, 3, 1)}, []dialect.GroupDigest{gd(2, 3, 1), gd(1, 3, 1)}, 100, "[]"},
		{"one in the middle",
			[]dialect.GroupDigest{gd(1, 3, 1), gd(2, 3, 1), gd(3, 3, 1)},
			[]dialect.GroupDigest{gd(3, 3, 1), gd(2, 3, 9), gd(1, 3, 1)}, 100,
			"[{2 2 [3 3] false false}]"},
		{"adjacent merge, equal ones split, ends flagged",
			[]dialect.GroupDigest{gd(-5, 2, 1), gd(-4, 2, 1), gd(0, 2, 1), gd(7, 2, 1), gd(9, 2, 1)},
			[]dialect.GroupDigest{gd(-5, 2, 2), gd(-4, 1, 1), gd(0, 2, 1), gd(7, 2, 2), gd(9, 2, 2)}, 100,
			"[{-5 -4 [4 3] true false} {7 9 [4 4] false true}]"},
		{"groups on one side only",
			[]dialect.GroupDigest{gd(1, 2, 1), gd(5, 2, 1)},
			[]dialect.GroupDigest{gd(3, 4, 1), gd(5, 2, 1), gd(8, 1, 1)}, 100,
			"[{1 3 [2 4] true false} {8 8 [0 1] false true}]"},
		{"a run stops at maxRows; a larger group runs alone",
			[]dialect.GroupDigest{gd(1, 4, 1), gd(2, 4, 1), gd(3, 20, 1), gd(4, 4, 1)},
			[]dialect.GroupDigest{gd(1, 4, 2), gd(2, 4, 2), gd(3, 20, 2), gd(4, 4, 2)}, 10,
			"[{1 2 [8 8] true false} {3 3 [20 20] false false} {4 4 [4 4] false true}]"},
		{"target empty", []dialect.GroupDigest{gd(1, 2, 1), gd(2, 2, 1)}, nil, 100, "[{1 2 [4 0] true true}]"},
	}
	for _, tt := range tests {
		got := fmt.Sprint(differingRuns([2][]dialect.GroupDigest{tt.s, tt.t}, tt.maxRows))
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestRunRange(t *testing.T) {
	k := func(s string) dialect.Key { return dialect.Key{[]byte(s)} }
	tests := []struct {
		r    dialect.Range
		run  groupRun
		want string
	}{
		// Open chunk ends stay open only for the outermost groups.
		{dialect.Range{}, groupRun{lo: 2, hi: 3, first: true, last: true}, "(-inf, +inf]"},
		{dialect.Range{}, groupRun{lo: 2, hi: 3}, "(7, 15]"},
		{dialect.Range{}, groupRun{lo: 0, hi: 0}, "(-4, 3]"},
		{dialect.Range{}, groupRun{lo: -2, hi: -1}, "(-12, -4]"},
		{dialect.Range{}, groupRun{lo: 2, hi: 3, first: true}, "(-inf, 15]"},
		{dialect.Range{}, groupRun{lo: 2, hi: 3, last: true}, "(7, +inf]"},
		// Closed chunk ends bound the run.
		{dialect.Range{Lo: k("9"), Hi: k("13")}, groupRun{lo: 2, hi: 3, first: true, last: true}, "(9, 13]"},
		{dialect.Range{Lo: k("5"), Hi: k("100")}, groupRun{lo: 2, hi: 3, first: true}, "(7, 15]"},
		{dialect.Range{Lo: k("9")}, groupRun{lo: 2, hi: 3, last: true}, "(9, +inf]"},
	}
	for _, tt := range tests {
		if got := strings.ReplaceAll(runRange(tt.r, tt.run, 4).String(), `"`, ""); got != tt.want {
			t.Errorf("runRange(%s, %+v, 4) = %s, want %s", tt.r, tt.run, got, tt.want)
		}
	}
}
