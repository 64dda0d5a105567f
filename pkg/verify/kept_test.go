package verify

import (
	"testing"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// keptOf records rows of (key, hash) as a side's chunk would.
func keptOf(rows ...[2]uint64) *keptRows {
	k := &keptRows{}
	for _, r := range rows {
		key := checksum.AppendRow(nil, dialect.Key{[]byte{byte('0' + r[0])}})
		k.add(key, r[1], r[1])
	}
	k.done()
	return k
}

func keysOfEntries(es []rowEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, string(e.key[0]))
	}
	return out
}

// TestMatchKept pairs rows by position while the keys agree and by key from where they part,
// whatever the order the sides listed them in.
func TestMatchKept(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		src, tgt                *keptRows
		missing, extra, changed string
	}{
		{"same", keptOf([2]uint64{1, 10}, [2]uint64{2, 20}), keptOf([2]uint64{1, 10}, [2]uint64{2, 20}), "", "", ""},
		{"changed in place", keptOf([2]uint64{1, 10}, [2]uint64{2, 20}), keptOf([2]uint64{1, 10}, [2]uint64{2, 21}), "", "", "2"},
		{"missing first", keptOf([2]uint64{1, 10}, [2]uint64{2, 20}, [2]uint64{3, 30}), keptOf([2]uint64{2, 20}, [2]uint64{3, 31}), "1", "", "3"},
		{"extra last", keptOf([2]uint64{1, 10}), keptOf([2]uint64{1, 10}, [2]uint64{4, 40}), "", "4", ""},
		{"other order", keptOf([2]uint64{1, 10}, [2]uint64{2, 20}, [2]uint64{3, 30}), keptOf([2]uint64{3, 30}, [2]uint64{2, 22}, [2]uint64{1, 10}), "", "", "2"},
		{"empty target", keptOf([2]uint64{1, 10}), keptOf(), "1", "", ""},
	} {
		m, x, c := matchKept(tc.src, tc.tgt)
		var cs []rowEntry
		for _, p := range c {
			cs = append(cs, p[0])
			if string(p[0].key[0]) != string(p[1].key[0]) {
				t.Errorf("%s: changed pair of keys %s and %s", tc.name, p[0].key[0], p[1].key[0])
			}
		}
		got := [3]string{join(keysOfEntries(m)), join(keysOfEntries(x)), join(keysOfEntries(cs))}
		if want := [3]string{tc.missing, tc.extra, tc.changed}; got != want {
			t.Errorf("%s: missing/extra/changed = %q, want %q", tc.name, got, want)
		}
	}
	if (*keptRows)(nil).complete() {
		t.Error("a nil record is complete")
	}
	k := keptOf([2]uint64{1, 1})
	if d := k.digest(); d.Rows != 1 || d.Sum != 1 || d.Xor != 1 {
		t.Errorf("digest of kept rows = %+v", d)
	}
}

func join(s []string) string {
	out := ""
	for _, v := range s {
		out += v
	}
	return out
}
