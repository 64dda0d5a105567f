package main

import (
	"slices"
	"strings"
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

// TestReadTable: the report's one table is read a token at a time, listed rows counted, in any
// key order, with diffs as [] or (from older binaries) null.
func TestReadTable(t *testing.T) {
	for _, c := range []struct {
		report string
		listed int
	}{
		{`{"source":{"dsn":"x"},"tables":[{"source":"bench","missing":1,"extra":2,"changed":3,"mode":"pushdown","hash":"crcmix","diffs":[{"kind":"missing","key":[{"text":"1"}]},{"kind":"extra"}],"note":"n"}],"identical":false}`, 2},
		{`{"identical":true,"tables":[{"diffs":null,"mode":"pushdown","hash":"crcmix","missing":1,"extra":2,"changed":3}]}`, 0},
	} {
		got, err := readTable(strings.NewReader(c.report))
		if err != nil || got.Missing != 1 || got.Extra != 2 || got.Changed != 3 || got.Mode != "pushdown" || got.Hash != "crcmix" || got.listed != c.listed {
			t.Errorf("readTable(%s) = %+v, %v", c.report, got, err)
		}
	}
	if _, err := readTable(strings.NewReader(`{"tables":[{},{}]}`)); err == nil {
		t.Errorf("two tables read as one")
	}
}
