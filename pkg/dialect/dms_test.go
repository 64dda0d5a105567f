package dialect_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// TestParseDMSCheckpoint: the documented examples (PostgreSQL and MySQL sources), their
// variants (no prefix, unpadded LSN, no end offset), and malformed checkpoints, each a clear
// error wrapping ErrDMSCheckpoint; no input panics.
func TestParseDMSCheckpoint(t *testing.T) {
	for in, want := range map[string]dialect.DMSPosition{
		// The user guide's sample checkpoint in the metadata table (PostgreSQL source).
		"checkpoint:V1#34#00000132/0F000E48#0#0#*#0#121": {LSN: 0x132<<32 | 0x0F000E48},
		// The API reference's checkpoint example (MySQL source).
		"checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876#0#0#*#0#93": {File: "mysql-bin-changelog.157832", Pos: 1975, End: 2002},
		"V1#34#0/16B3748#0#0#*#0#1":                       {LSN: 0x16B3748},
		"  CHECKPOINT:V1#1#FFFFFFFF/FFFFFFFF#0#0#*#0#0\n": {LSN: 1<<64 - 1},
		"checkpoint:V1#27#binlog.000003:4#0#0#*#0#1":      {File: "binlog.000003", Pos: 4},
		"checkpoint:V1#27#binlog.000003:900:-1:12:0#0":    {File: "binlog.000003", Pos: 900}, // an end before the offset is not one
	} {
		got, err := dialect.ParseDMSCheckpoint(in)
		if err != nil || got != want {
			t.Errorf("ParseDMSCheckpoint(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"":                                       "empty",
		"checkpoint:":                            "empty",
		"checkpoint:V1#34":                       "want fields",
		"checkpoint:V2#34#00000132/0F000E48":     `version "V2", not V1`,
		"checkpoint:V1#x#00000132/0F000E48":      `second field "x" is not a number`,
		"checkpoint:V1#34#00000132/0G000E48":     "neither a PostgreSQL LSN",
		"checkpoint:V1#34#123456789/0#0":         "neither a PostgreSQL LSN",
		"checkpoint:V1#34#2018-03-08T12:12:12#0": `binary log file name "2018-03-08T12" is not NAME.NUMBER`, // not a time
		"checkpoint:V1#27#mysql-bin.000001#0":    "neither a PostgreSQL LSN (HEX/HEX) nor a binary log FILE:OFFSET",
		"checkpoint:V1#27#:1975:-1:2002#0":       `binary log file name "" is not NAME.NUMBER`,
		"checkpoint:V1#27#mysql-bin.000001:-5#0": `binary log offset "-5" is not a number`,
		"mysql-bin-changelog.000024:373":         "want fields", // a native start point, not a checkpoint
	} {
		_, err := dialect.ParseDMSCheckpoint(in)
		if !errors.Is(err, dialect.ErrDMSCheckpoint) || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseDMSCheckpoint(%q) = %v; want an ErrDMSCheckpoint saying %q", in, err, why)
		}
	}
	// Every prefix and a few mutations of the examples: an answer, never a panic.
	for _, ex := range []string{"checkpoint:V1#34#00000132/0F000E48#0#0#*#0#121",
		"checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876#0#0#*#0#93"} {
		for i := range len(ex) + 1 {
			dialect.ParseDMSCheckpoint(ex[:i])
			dialect.ParseDMSCheckpoint(ex[i:])
			dialect.ParseDMSCheckpoint(strings.ReplaceAll(ex[:i], "#", ":") + ex[i:])
		}
	}
	long := "checkpoint:V1#27#" + strings.Repeat("x", 5000)
	if _, err := dialect.ParseDMSCheckpoint(long); err == nil || len(err.Error()) > 300 {
		t.Errorf("a long malformed checkpoint: %d-byte error %.80v", len(err.Error()), err)
	}
	for p, want := range map[dialect.DMSPosition]string{
		{LSN: 0x132<<32 | 0x0F000E48}:                              "132/F000E48",
		{File: "mysql-bin-changelog.157832", Pos: 1975, End: 2002}: "mysql-bin-changelog.157832:2002",
		{File: "binlog.000003", Pos: 4}:                            "binlog.000003:4",
	} {
		if got := p.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", p, got, want)
		}
	}
}

// TestDMSPositionCompare: LSNs compare as numbers; binary log positions by file number (not
// text: .999999 comes before .1000000) and then the offset applied through; mixed kinds and
// another server's binary logs are errors.
func TestDMSPositionCompare(t *testing.T) {
	lsn := func(v uint64) dialect.DMSPosition { return dialect.DMSPosition{LSN: v} }
	bl := func(f string, pos, end uint64) dialect.DMSPosition {
		return dialect.DMSPosition{File: f, Pos: pos, End: end}
	}
	for _, tc := range []struct {
		p, q dialect.DMSPosition
		want int
	}{
		{lsn(0x132_0F000E48), lsn(0x132_0F000E48), 0},
		{lsn(0x131_FFFFFFFF), lsn(0x132_00000000), -1},
		{lsn(1 << 40), lsn(5), 1},
		{bl("mysql-bin-changelog.157832", 1975, 2002), bl("mysql-bin-changelog.157832", 2002, 0), 0},
		{bl("mysql-bin-changelog.157832", 1975, 2002), bl("mysql-bin-changelog.157832", 2003, 0), -1},
		{bl("mysql-bin-changelog.157832", 1975, 0), bl("mysql-bin-changelog.157832", 1876, 0), 1},
		{bl("binlog.999999", 90000, 0), bl("binlog.1000000", 4, 0), -1},
		{bl("binlog.000010", 4, 0), bl("binlog.000009", 90000, 0), 1},
	} {
		got, err := tc.p.Compare(tc.q)
		if err != nil || got != tc.want {
			t.Errorf("%v.Compare(%v) = %d, %v; want %d", tc.p, tc.q, got, err, tc.want)
		}
		if back, err := tc.q.Compare(tc.p); err != nil || back != -tc.want {
			t.Errorf("%v.Compare(%v) = %d, %v; want %d", tc.q, tc.p, back, err, -tc.want)
		}
	}
	for _, tc := range [][2]dialect.DMSPosition{
		{lsn(5), bl("binlog.000001", 4, 0)},
		{bl("binlog.000001", 4, 0), bl("mysql-bin.000001", 4, 0)},
		{bl("binlog", 4, 0), bl("binlog.000001", 4, 0)},
	} {
		if _, err := tc[0].Compare(tc[1]); err == nil {
			t.Errorf("%v.Compare(%v): want an error", tc[0], tc[1])
		}
	}
}
