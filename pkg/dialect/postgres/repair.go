package postgres

import (
	"encoding/hex"
	"strconv"
	"strings"

	"github.com/dbverify/dbverify/pkg/dialect"
)

var _ dialect.Repairer = (*DB)(nil)

// QuoteTable implements dialect.Repairer.
func (d *DB) QuoteTable(t *dialect.Table) string { return quoteTable(t) }

// RepairHeader implements dialect.Repairer: canonical timestamptz values are in UTC.
func (d *DB) RepairHeader() []string { return []string{"SET TIME ZONE 'UTC';"} }

// Literal implements dialect.Repairer. Numbers are written bare, bytea in hex, booleans as
// TRUE/FALSE, and everything else as a string literal, which PostgreSQL reads as the column's
// type (NaN, infinity, inet, interval, arrays alike).
func (d *DB) Literal(c dialect.Column, v []byte) (string, bool) {
	if v == nil {
		return "NULL", true
	}
	switch c.Class {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassFloat, dialect.ClassDouble, dialect.ClassYear:
		if dialect.IsPlainNumber(v) {
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
	case dialect.ClassBit:
		// The canonical value is the unsigned integer; through bigint (all 64 bits, two's
		// complement) to the column's width, as reads compare it.
		u, err := strconv.ParseUint(string(v), 10, 64)
		if !strings.HasPrefix(c.Type, "bit(") || err != nil {
			return "", false
		}
		return "CAST(" + strconv.FormatInt(int64(u), 10) + "::bigint AS " + c.Type + ")", true
	}
	if strings.IndexByte(string(v), 0) >= 0 {
		return "", false // text cannot hold NUL
	}
	return d.QuoteString(string(v)), true
}

// KeyEquals implements dialect.Repairer.
func (d *DB) KeyEquals(c dialect.Column, lit string) string { return quote(c.Name) + " = " + lit }
