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

// TestContestantsMixedPushdown: across engines, pushdown runs under MD5 (the one family both
// compute in SQL); a bare --mode pushdown would be refused and stop make bench.
func TestContestantsMixedPushdown(t *testing.T) {
	my := server{engine: "mysql", url: "mysql://root@127.0.0.1:3306/"}
	pg := server{engine: "postgres", url: "postgres://postgres@127.0.0.1:5432/"}
	names := func(src, tgt server) []string {
		var out []string
		for _, c := range contestants(src, tgt, shapes["wide"], "dbverify", 4, 0, []string{"stream", "pushdown", "auto"}) {
			out = append(out, c.name)
		}
		return out
	}
	if got := names(my, pg); !slices.Contains(got, "dbverify compare (pushdown/md5, 4 workers)") || slices.Contains(got, "dbverify compare (pushdown, 4 workers)") {
		t.Errorf("mysql->postgres contestants = %q, want pushdown under md5", got)
	}
	if got := names(my, my); !slices.Contains(got, "dbverify compare (pushdown, 4 workers)") {
		t.Errorf("mysql->mysql contestants = %q, want plain pushdown", got)
	}
}
