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
		{dialect.ClassDecimal, "1.25", "1.3", CauseRounded + " to 1 decimal places"},
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
		got := likelyCause(tt.class, []byte(tt.src), []byte(tt.tgt))
		if tt.want == "" && got != "" || !strings.HasPrefix(got, tt.want) {
			t.Errorf("likelyCause(%s, %q, %q) = %q, want %q...", tt.class, tt.src, tt.tgt, got, tt.want)
		}
	}
	if got := likelyCause(dialect.ClassString, nil, []byte("x")); got != "" {
		t.Errorf("NULL: %q", got)
	}
}
