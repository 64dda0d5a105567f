package verify

import (
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

func TestLikelyCause(t *testing.T) {
	tests := []struct {
		class    dialect.Class
		src, tgt string
		want     string // prefix of the cause; "" for none
	}{
		{dialect.ClassString, "hello ", "hello", CauseWhitespace},
		{dialect.ClassString, "hello", "hello\t\r\n", CauseWhitespace},
		{dialect.ClassString, "Hello", "hello", CauseCase},
		{dialect.ClassString, "straße", "STRASSE", ""}, // not a simple case fold
		{dialect.ClassString, "café", "cafÃ©", CauseEncoding},
		{dialect.ClassString, "cafÃ©", "café", CauseEncoding},
		{dialect.ClassBytes, "caf\xc3\xa9", "caf\xe9", CauseEncoding}, // UTF-8 -> latin1 bytes
		{dialect.ClassString, "€uro", "â‚¬uro", CauseEncoding},        // Windows-1252
		{dialect.ClassString, strings.Repeat("a", 100), strings.Repeat("a", 32), CauseTruncated + ": target keeps 32 of 100 bytes"},
		{dialect.ClassBytes, "\x00\x01\x02", "\x00", CauseTruncated},
		{dialect.ClassString, "abc", "abd", ""},
		{dialect.ClassDecimal, "1.2345", "1.23", CauseRounded + " to 2 decimal places"},
		{dialect.ClassDecimal, "1.235", "1.24", CauseRounded},
		{dialect.ClassDecimal, "-1.235", "-1.24", CauseRounded},
		{dialect.ClassDecimal, "1.239", "1.23", CauseRounded}, // cut
		{dialect.ClassDecimal, "1.2", "1.3", ""},
		{dialect.ClassDecimal, "1.25", "1.3", CauseRounded + " to 1 decimal place"},
		{dialect.ClassDecimal, "100", "101", ""},
		{dialect.ClassFloat, "3.1415927", "3.14159", CauseRounded},
		{dialect.ClassDouble, "0.1", "0.10000000000000002", CauseRounded},
		{dialect.ClassDouble, "0.1", "0.2", ""},
		{dialect.ClassTimestamp, "2024-01-01 10:00:00.000000", "2024-01-01 12:00:00.000000", CauseShifted + " by +2h"},
		{dialect.ClassTimestamp, "2024-01-01 10:00:00.000000", "2024-01-01 04:30:00.000000", CauseShifted + " by -5h30m"},
		{dialect.ClassTimestamp, "2024-01-01 10:00:00.123456", "2024-01-01 10:00:00.123000", CauseRounded + " to 3 fractional digits"},
		{dialect.ClassTimestamp, "2024-01-01 10:00:00.123456", "2024-01-01 10:00:00.123500", CauseRounded + " to 4 fractional digits"},
		{dialect.ClassTimestamp, "2024-01-01 10:00:00.000000", "2024-01-01 10:17:00.000000", ""},
		{dialect.ClassTime, "10:00:00.500000", "10:00:00.000000", CauseRounded + " to 0 fractional digits"},
		{dialect.ClassInt, "1", "2", ""},
	}
	for _, tt := range tests {
		got := likelyCause(tt.class, []byte(tt.src), []byte(tt.tgt), -1)
		if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
			t.Errorf("likelyCause(%s, %q, %q) = %q, want %q...", tt.class, tt.src, tt.tgt, got, tt.want)
		}
	}
	if got := likelyCause(dialect.ClassString, nil, []byte("x"), -1); got != "" {
		t.Errorf("NULL: %q", got)
	}
}

// TestDecimalCause: a rounding is named only when it explains the change. Values are canonical
// (no trailing fractional zeros), as the compare hands them over; scale is the target column's
// decimal places, -1 for a type that does not bound them.
func TestDecimalCause(t *testing.T) {
	tests := []struct {
		src, tgt string
		scale    int
		want     string
	}{
		{"7.99", "8", 2, ""},  // 7.99 -> 8.00 in a column that holds cents: a change
		{"7.99", "8", -1, ""}, // and just as much without a known scale
		{"-7.99", "-8", 2, ""},
		{"7.99", "8", 1, CauseRounded + " to 1 decimal place"}, // the target holds 1 place: 8.0 is 7.99 rounded
		{"7.99", "8", 0, CauseRounded + " to 0 decimal places"},
		{"8.004", "8", 2, CauseRounded + " to 2 decimal places"}, // 8.00 in a DECIMAL(p,2)
		{"8.004", "8", -1, ""},                                   // 8 could be any number of places
		{"8.005", "8.01", 2, CauseRounded + " to 2 decimal places"},
		{"-8.005", "-8.01", 2, CauseRounded + " to 2 decimal places"}, // half away from zero
		{"-8.005", "-8", 2, CauseRounded + " to 2 decimal places"},    // cut
		{"8.006", "8", 2, CauseRounded + " to 2 decimal places"},      // cut
		{"8.016", "8", 2, ""},                                         // neither rounded nor cut
		{"1.5", "2", 0, CauseRounded + " to 0 decimal places"},        // an integer target column
		{"1.5", "1", 0, CauseRounded + " to 0 decimal places"},        // cut
		{"-1.5", "-2", 0, CauseRounded + " to 0 decimal places"},
		{"1.5", "2", 1, ""}, // the target could hold 1.5
		{"1.5", "2", -1, ""},
		{"2.5", "2", 0, CauseRounded + " to 0 decimal places"}, // cut (banker's rounding is not told apart)
		{"0.1", "0.10", -1, ""},                                // the same number: no rounding
		{"8.00", "8", 2, ""},
		{"1.2345", "1.23", 4, CauseRounded + " to 2 decimal places"}, // rounded before it was written
		{"1.2345", "1.2", 4, CauseRounded + " to 1 decimal place"},
		{"1.2345", "1.3", 4, ""},  // neither rounded nor cut
		{"1.23", "1.2345", 4, ""}, // a target finer than its source is no rounding
		{"1.23", "1.2345", -1, ""},
		{"100", "101", 0, ""},
		{"0.05", "0.1", -1, CauseRounded + " to 1 decimal place"},
		{"-0.05", "-0.1", 1, CauseRounded + " to 1 decimal place"},
		{"0.04", "0.1", 1, ""},
		{"12.30", "12.3", 2, ""}, // trailing zeros are no digits
		{"12.301", "12.30", 2, CauseRounded + " to 2 decimal places"},
	}
	for _, tt := range tests {
		if got := likelyCause(dialect.ClassDecimal, []byte(tt.src), []byte(tt.tgt), tt.scale); got != tt.want {
			t.Errorf("%s -> %s (target scale %d): cause %q, want %q", tt.src, tt.tgt, tt.scale, got, tt.want)
		}
	}
}

func TestTimeCauseDirection(t *testing.T) {
	// The target lost digits, not the source: a target finer than the source is no rounding.
	if got := likelyCause(dialect.ClassTimestamp, []byte("2024-01-01 10:00:00.123000"), []byte("2024-01-01 10:00:00.123456"), -1); got != "" {
		t.Errorf("finer target: cause %q", got)
	}
	if got := likelyCause(dialect.ClassTime, []byte("10:00:00.100000"), []byte("10:00:00.000000"), -1); got != CauseRounded+" to 0 fractional digits" {
		t.Errorf("cut to seconds: cause %q", got)
	}
	if got := likelyCause(dialect.ClassTime, []byte("10:00:00.120000"), []byte("10:00:00.100000"), -1); got != CauseRounded+" to 1 fractional digit" {
		t.Errorf("cut to tenths: cause %q", got)
	}
}

func TestDecimalScale(t *testing.T) {
	tests := []struct {
		class dialect.Class
		typ   string
		want  int
	}{
		{dialect.ClassDecimal, "decimal(12,2)", 2},
		{dialect.ClassDecimal, "decimal(10,4) unsigned", 4},
		{dialect.ClassDecimal, "numeric(10,0)", 0},
		{dialect.ClassDecimal, "numeric(10)", 0},
		{dialect.ClassDecimal, "decimal", 0},
		{dialect.ClassDecimal, "numeric", -1},
		{dialect.ClassInt, "bigint(20)", 0},
		{dialect.ClassDouble, "double precision", -1},
		{dialect.ClassString, "varchar(20)", -1},
	}
	for _, tt := range tests {
		if got := decimalScale(dialect.Column{Class: tt.class, Type: tt.typ}); got != tt.want {
			t.Errorf("decimalScale(%s) = %d, want %d", tt.typ, got, tt.want)
		}
	}
}
