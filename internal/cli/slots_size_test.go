package cli

import (
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestParseSize: --max-slot-wal takes sizes in powers of 1024, with or without the i, in any
// case, fractions included; anything else is an error.
func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"10GiB": 10 << 30, "512MiB": 512 << 20, "512mb": 512 << 20, "1.5G": 3 << 29, "2 TiB": 2 << 40,
		"4096": 4096, "64kB": 64 << 10, "0": 0, "100B": 100,
	} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "GiB", "-1GiB", "10 parsecs", "1e3", "9999999TiB", "1.2.3MiB"} {
		if got, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) = %d, want an error", in, got)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 10 << 30: "10.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := dialect.SizeText(n); got != want {
			t.Errorf("SizeText(%d) = %q, want %q", n, got, want)
		}
	}
	s := dialect.Slot{Name: "dms_x", Type: "logical", Plugin: "test_decoding", Database: "shop", RetainedWAL: 12 << 30, FlushLag: 11 << 30, WALStatus: "extended"}
	if got, want := s.String(), "slot dms_x (logical, test_decoding, database shop, inactive, wal_status extended): retains 12.0 GiB of WAL, 11.0 GiB not yet confirmed by its consumer"; got != want {
		t.Errorf("Slot.String:\n got %s\nwant %s", got, want)
	}
}
