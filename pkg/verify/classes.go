package verify

import (
	"fmt"

	"github.com/dbverify/dbverify/pkg/dialect"
)

// numeric classes all canonicalise to plain decimal text, so any two of them compare as is
// (tinyint(1) 1 against boolean true, BIGINT UNSIGNED against NUMERIC(20), BIT against INT).
func numericText(c dialect.Class) bool {
	switch c {
	case dialect.ClassInt, dialect.ClassUint, dialect.ClassDecimal, dialect.ClassBool, dialect.ClassBit, dialect.ClassYear:
		return true
	}
	return false
}

// reconcile decides how one column pair is compared when the two sides declare different
// classes, by coercing one side to the other's class where the canonical forms would otherwise
// differ for equal data. It changes the columns in place. sameEngine allows engine-specific
// types (ClassOther), which then compare by their text form.
func reconcile(s, t *dialect.Column, sameEngine bool) error {
	sc, tc := s.Class, t.Class
	switch {
	case sc == tc && (sc != dialect.ClassOther || sameEngine):
		return nil
	case numericText(sc) && numericText(tc):
		return nil
	case sc == dialect.ClassFloat && tc == dialect.ClassDouble:
		coerce(t, dialect.ClassFloat) // compare at the narrower width: a REAL copied into a DOUBLE
	case sc == dialect.ClassDouble && tc == dialect.ClassFloat:
		coerce(s, dialect.ClassFloat)
	case tc == dialect.ClassUUID && (sc == dialect.ClassString || sc == dialect.ClassBytes):
		coerce(s, dialect.ClassUUID) // CHAR(36) or BINARY(16) against uuid
	case sc == dialect.ClassUUID && (tc == dialect.ClassString || tc == dialect.ClassBytes):
		coerce(t, dialect.ClassUUID)
	case tc == dialect.ClassJSON && sc == dialect.ClassString:
		coerce(s, dialect.ClassJSON) // JSON kept as text on one side
	case sc == dialect.ClassJSON && tc == dialect.ClassString:
		coerce(t, dialect.ClassJSON)
	case textual(sc) && textual(tc):
		return nil // text, enum and set values compare as text
	case sc == dialect.ClassOther && tc == dialect.ClassString, sc == dialect.ClassString && tc == dialect.ClassOther:
		return nil // an engine-specific type copied into text: compare the text forms
	case sc == dialect.ClassOther || tc == dialect.ClassOther:
		other := s
		if tc == dialect.ClassOther {
			other = t
		}
		return &unsupportedError{column: other.Name, typ: other.Type, src: s.Type, tgt: t.Type}
	}
	return nil
}

// unsupportedError is a column pair that no side can compare across engines: neither has a
// canonical form of the other's type.
type unsupportedError struct{ column, typ, src, tgt string }

func (e *unsupportedError) Error() string {
	return fmt.Sprintf("unsupported type %s in column %s for a compare across engines", e.typ, e.column)
}

// reason is why the column is not compared, for the report.
func (e *unsupportedError) reason() string {
	return fmt.Sprintf("no canonical form in common across engines (source %s, target %s)", e.src, e.tgt)
}

func textual(c dialect.Class) bool {
	return c == dialect.ClassString || c == dialect.ClassEnum
}

func coerce(c *dialect.Column, class dialect.Class) {
	c.Class, c.Coerced = class, true
}
