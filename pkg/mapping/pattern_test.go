package mapping

import "testing"

func TestPattern(t *testing.T) {
	for _, tc := range []struct {
		pat, name string
		fold      bool
		want      bool
	}{
		{"%", "", false, true},
		{"%", "anything", false, true},
		{"Shop", "Shop", false, true},
		{"Shop", "shop", false, false},
		{"Shop", "shop", true, true},
		{"DMS%", "DMS_log", false, true},
		{"DMS%", "dms_log", false, false},
		{"DMS%", "XDMS", false, false},
		{"%Log", "AuditLog", false, true},
		{"%Log%", "AuditLogArchive", false, true},
		{"%Log", "AuditLogs", false, false},
		{"a%b%c", "aXbYc", false, true},
		{"a%b%c", "abcbc", false, true},
		{"a%b%c", "acb", false, false},
		{"order_items", "order_items", false, true},
		{"order_items", "orderXitems", false, true}, // _ is a wildcard, as in DMS
		{"order_items", "order__items", false, false},
		{"order[_]items", "order_items", false, true},
		{"order[_]items", "orderXitems", false, false},
		{"TEST[_]T%", "TEST_T1", false, true},
		{"[ab]x", "ax", false, true},
		{"[ab]x", "bx", false, true},
		{"[ab]x", "cx", false, false},
		{"[ab]x", "Ax", false, false},
		{"[ab]x", "Ax", true, true},
		{"t[a-d]", "tc", false, true},
		{"t[a-d]", "te", false, false},
		{"t[a-d]", "tC", true, true},
		{"t[d-a]", "tb", false, true}, // a reversed range is the same range
		{"t[-a]", "t-", false, true},
		{"t[a-]", "t-", false, true},
		{"[%]", "%", false, true},
		{"[%]", "x", false, false},
		{"a[", "a[", false, true},     // no closing bracket: literal
		{"a[]b", "a[]b", false, true}, // "[]" is no set: literal
		{"a[]]b", "a]b", false, true}, // the first ']' after one member closes: set of ']'
		{"[^a]", "^", false, true},    // negation is not supported: '^' is a member
		{"[^a]", "b", false, false},
		{"%%", "x", false, true},
		{"_", "", false, false},
		{"_", "é", false, true}, // one character, not one byte
		{"É%", "école", true, true},
		{"K", "\u212a", true, true}, // Kelvin sign folds to K
		{"caf_", "café", false, true},
		{"%a%a%a%a%b", "aaaaaaaaaaaaaaaaaaaa", false, false},
	} {
		p := compilePattern(tc.pat)
		if got := p.match(tc.name, tc.fold); got != tc.want {
			t.Errorf("%q matches %q (fold %v) = %v, want %v", tc.pat, tc.name, tc.fold, got, tc.want)
		}
	}
}
