package verify

import (
	"fmt"
	"slices"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// The modes a table is hashed in.
const (
	ModeAuto     = "auto"     // pushdown where both sides can, else stream
	ModePushdown = "pushdown" // the databases hash rows in SQL; one row per chunk crosses
	ModeStream   = "stream"   // rows cross in canonical form and Go hashes them
)

// hashFamily picks the row-hash family of an engine pair: the first of the source's families
// that the target computes too, else MD5 (which Go computes whatever the engines). The family
// depends on the pair only, never on the mode, so that a table's fingerprint is the same in
// stream and pushdown mode.
func hashFamily(src, tgt dialect.DB) checksum.Family {
	sp, ok1 := src.(dialect.Pushdown)
	tp, ok2 := tgt.(dialect.Pushdown)
	if ok1 && ok2 {
		for _, f := range sp.HashFamilies() {
			if slices.Contains(tp.HashFamilies(), f) {
				return f
			}
		}
	}
	return checksum.MD5
}

// layoutFor is how the compared columns enter the hash text: the form of each follows from its
// class (the same on both sides once reconciled), the decimals' scales on both sides, and
// whether a side is PostgreSQL (which prints fractions of seconds without trailing zeros).
func (j *job) layoutFor(fam checksum.Family) checksum.Layout {
	l := checksum.Layout{Family: fam, Forms: make([]checksum.Form, len(j.scols))}
	trim := j.src.DB.Engine() == dialect.Postgres || j.tgt.DB.Engine() == dialect.Postgres
	for i := range j.scols {
		sc, tc := j.st.Columns[j.scols[i]], j.tt.Columns[j.tcols[i]]
		f := &l.Forms[i]
		switch sc.Class {
		case dialect.ClassInt, dialect.ClassUint, dialect.ClassDate, dialect.ClassYear, dialect.ClassBool:
			f.Kind = checksum.FormPlain
		case dialect.ClassDecimal:
			f.Kind, f.Scale = checksum.FormDecimal, -1
			ss, ok1 := dialect.DecimalScale(sc)
			ts, ok2 := dialect.DecimalScale(tc)
			if ok1 && ok2 {
				f.Scale = max(ss, ts)
			}
		case dialect.ClassTimestamp, dialect.ClassTime:
			f.Kind, f.TrimFrac = checksum.FormTime, trim
		case dialect.ClassBytes:
			f.Kind = checksum.FormHex
		}
	}
	return l
}

// chooseMode decides how the table is hashed: pushdown when asked or allowed (auto) and both
// sides can write every compared column in its form; stream otherwise. It returns the reason
// pushdown is out, for the report; asking for pushdown where it is out is an error.
func (j *job) chooseMode() (string, error) {
	if j.opt.Mode == ModeStream {
		return ModeStream, nil
	}
	why := j.pushdownBlocker()
	if why == "" {
		return ModePushdown, nil
	}
	if j.opt.Mode == ModePushdown {
		return "", invalid(fmt.Errorf("table %s: --mode pushdown: %s (use --mode auto to stream such tables)", j.src.tableName(j.st), why))
	}
	j.rep.Note = and2(j.rep.Note, "streamed: "+why)
	return ModeStream, nil
}

// pushdownBlocker says why the table cannot be hashed in SQL, or "" when it can.
func (j *job) pushdownBlocker() string {
	sp, ok1 := j.src.DB.(dialect.Pushdown)
	tp, ok2 := j.tgt.DB.(dialect.Pushdown)
	switch {
	case !ok1 || !ok2:
		return "a side cannot hash rows in SQL"
	case !slices.Contains(sp.HashFamilies(), j.layout.Family):
		return fmt.Sprintf("the source (%s %s) does not compute %s hashes in SQL", j.src.DB.Engine(), j.src.DB.Version(), j.layout.Family)
	case !slices.Contains(tp.HashFamilies(), j.layout.Family):
		return fmt.Sprintf("the target (%s %s) does not compute %s hashes in SQL", j.tgt.DB.Engine(), j.tgt.DB.Version(), j.layout.Family)
	case j.tol != nil:
		return "tolerances are applied in Go"
	case j.keyOrderDiffers():
		return "the key may order differently on the two sides (rows are bucketed in Go)"
	}
	for i, f := range j.layout.Forms {
		sc, tc := j.st.Columns[j.scols[i]], j.tt.Columns[j.tcols[i]]
		if !sp.CanHash(sc, f) {
			return fmt.Sprintf("column %s (%s) has no exact SQL form on the source", sc.Name, sc.Type)
		}
		if !tp.CanHash(tc, f) {
			return fmt.Sprintf("column %s (%s) has no exact SQL form on the target", tc.Name, tc.Type)
		}
	}
	return ""
}

// and2 joins two notes.
func and2(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
