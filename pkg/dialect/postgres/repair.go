package postgres

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/internal/sqlkit"
	"github.com/dbverify/dbverify/pkg/dialect"
)

var (
	_ dialect.Repairer   = (*DB)(nil)
	_ dialect.Referencer = (*DB)(nil)
	_ sqlkit.Writer      = (*DB)(nil)
)

// References implements dialect.Referencer.
func (d *DB) References(ctx context.Context, t *dialect.Table) ([]string, error) {
	rows, err := d.read(ctx, `SELECT DISTINCT n.nspname, c.relname FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.confrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE k.contype = 'f' AND k.conrelid = to_regclass($1)`, quoteTable(t))
	if err != nil {
		return nil, fmt.Errorf("postgres: foreign keys of %s: %w", t, err)
	}
	defer rows.Close()
	names, err := sqlkit.ScanTableNames(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: foreign keys of %s: %w", t, err)
	}
	return names, nil
}

// QuoteTable implements sqlkit.Writer.
func (d *DB) QuoteTable(t *dialect.Table) string { return quoteTable(t) }

// RepairHeader implements dialect.Repairer: the literals are UTF-8 with backslashes taken
// literally (whatever the role's or database's settings), canonical timestamptz values are in
// UTC, and deferrable foreign keys are checked at the commit.
func (d *DB) RepairHeader() []string {
	return []string{"SET client_encoding = 'UTF8';", "SET standard_conforming_strings = on;", "SET TIME ZONE 'UTC';", "SET CONSTRAINTS ALL DEFERRED;"}
}

// AfterInserts implements dialect.Repairer: a serial or identity key column's sequence does not
// move past explicit values, so the application's next insert would collide with a repaired
// row. Each integer key column's sequence, if it has one, is raised to the column's largest
// value (never lowered).
func (d *DB) AfterInserts(t *dialect.Table) []string {
	var out []string
	for _, k := range t.Key {
		c := t.Columns[k]
		if c.Class != dialect.ClassInt {
			continue
		}
		// Only an ascending sequence whose next value the inserted keys reach moves (to their
		// maximum); one still unused next gives its start value.
		out = append(out, sqlkit.Comment("raise "+c.Name+"'s sequence, if it has one, past the inserted keys (needs UPDATE on the sequence; drop the line to leave it)"),
			fmt.Sprintf("SELECT setval(x.s::regclass, x.m) FROM (SELECT pg_get_serial_sequence(%s, %s) AS s, max(%s) AS m FROM %s) x JOIN pg_catalog.pg_sequence q ON q.seqrelid = x.s::regclass WHERE q.seqincrement > 0 AND x.m >= COALESCE(pg_sequence_last_value(x.s::regclass) + q.seqincrement, q.seqstart);",
				d.QuoteString(quoteTable(t)), d.QuoteString(c.Name), quote(c.Name), quoteTable(t)))
	}
	return out
}

// Literal implements sqlkit.Writer. Numbers are written bare, bytea in hex, booleans as
// TRUE/FALSE, and everything else as a string literal, which PostgreSQL reads as the column's
// type (NaN, infinity, inet, interval, arrays alike).
func (d *DB) Literal(c dialect.Column, v []byte) (string, bool) {
	if v == nil {
		return "NULL", true
	}
	switch c.Class {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassFloat, dialect.ClassDouble, dialect.ClassYear:
		if sqlkit.IsPlainNumber(v) {
			return string(v), true
		}
	case dialect.ClassBool:
		switch string(v) {
		case "1":
			return "TRUE", true
		case "0":
			return "FALSE", true
		}
	case dialect.ClassBytes:
		return `'\x` + hex.EncodeToString(v) + `'::bytea`, true
	case dialect.ClassUUID:
		h := strings.ReplaceAll(string(v), "-", "")
		if _, err := hex.DecodeString(h); err != nil || len(h) != 32 {
			return "", false
		}
		switch {
		case c.Type == "bytea": // 16 raw bytes
			return `'\x` + h + `'::bytea`, true
		case sqlkit.TextWidth(c.Type) == 32:
			return "'" + strings.ToLower(h) + "'", true
		}
	case dialect.ClassBit:
		// The canonical value is the unsigned integer; through bigint (all 64 bits, two's
		// complement) to the column's width, as reads compare it.
		u, err := strconv.ParseUint(string(v), 10, 64)
		if !strings.HasPrefix(c.Type, "bit(") || err != nil {
			return "", false
		}
		return "CAST(" + strconv.FormatInt(int64(u), 10) + "::bigint AS " + c.Type + ")", true
	case dialect.ClassDate, dialect.ClassTimestamp:
		// MySQL's zero dates have no PostgreSQL value; PostgreSQL's own BC dates and
		// infinities read back.
		if !sqlkit.IsCalendarDate(v) && (len(v) == 0 || v[0] >= '0' && v[0] <= '9' && !bytes.HasSuffix(v, []byte(" BC"))) {
			return "", false
		}
	case dialect.ClassTime:
		// A MySQL TIME is an interval (-838:59:59 to 838:59:59); a PostgreSQL time of day is
		// 00:00:00 to 24:00:00.
		if strings.HasPrefix(c.Type, "time") && !timeOfDay.Match(v) {
			return "", false
		}
	}
	if strings.IndexByte(string(v), 0) >= 0 {
		return "", false // text cannot hold NUL
	}
	return d.QuoteString(string(v)), true
}

// timeOfDay matches a time PostgreSQL's time type holds.
var timeOfDay = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$|^24:00:00(\.0+)?$`)

// KeyEquals implements sqlkit.Writer. A real compares with the literal made a real: as a
// double, 0.1 is not the real 0.1.
func (d *DB) KeyEquals(c dialect.Column, lit string) string {
	switch {
	case c.Class == dialect.ClassFloat:
		return quote(c.Name) + " = " + lit + "::real"
	case c.Class == dialect.ClassUUID && c.Type != "uuid" && c.Type != "bytea":
		// A UUID held as text may be upper case; the canonical literal is not.
		return "lower(" + quote(c.Name) + ") = " + lit
	}
	return quote(c.Name) + " = " + lit
}
