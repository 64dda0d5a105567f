package sqlkit

import "testing"

// TestRepairHelpers: the checks repair SQL relies on to skip values a target cannot hold, and
// to keep names inside their comments.
func TestRepairHelpers(t *testing.T) {
	for v, want := range map[string]bool{
		"2024-02-29": true, "2024-02-29 12:00:00.5": true, "0001-01-01": true, "9999-12-31 23:59:59.999999": true,
		"2023-02-29": false, "2024-02-31": false, "0000-00-00": false, "2024-00-10": false, "0044-03-15 BC": false,
		"infinity": false, "10000-01-01": false, "": false,
	} {
		if got := IsCalendarDate([]byte(v)); got != want {
			t.Errorf("IsCalendarDate(%q) = %t", v, got)
		}
	}
	for typ, want := range map[string]int{"char(32)": 32, "varchar(36)": 36, "character varying(32)": 32, "CHAR(32)": 32, "text": 0, "binary(16)": 0, "uuid": 0} {
		if got := TextWidth(typ); got != want {
			t.Errorf("TextWidth(%q) = %d, want %d", typ, got, want)
		}
	}
	if got := Comment("t\nDROP TABLE x; --\r\u2028y"); got != "-- t?DROP TABLE x; --??y" {
		t.Errorf("Comment: %q", got)
	}
}
