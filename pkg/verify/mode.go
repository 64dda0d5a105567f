package verify

import (
	"fmt"
	"slices"

	"github.com/dbverify/dbverify/pkg/checksum"
	"github.com/dbverify/dbverify/pkg/dialect"
)

// Mode is where a table's rows are hashed.
type Mode string

// The modes.
const (
	ModeAuto     Mode = "auto"     // pushdown on each side that can, stream on the other
	ModePushdown Mode = "pushdown" // the databases hash rows in SQL; one row per chunk crosses
	ModeStream   Mode = "stream"   // rows cross in canonical form and Go hashes them

	// What a table's report says when auto mode pushed down on one side only.
	ModeSourcePushdown Mode = "source pushdown, target stream"
	ModeTargetPushdown Mode = "source stream, target pushdown"
)

// HashFamily names the row-hash family a compare's digests are in (package checksum's
// families). The family depends on the engine pair only, never on the mode.
type HashFamily string

// The families. HashAuto (or "") picks by engine pair: see Options.Hash.
const (
	HashAuto   HashFamily = "auto"
	HashMD5    HashFamily = "md5"    // every engine, slowest
	HashCRCMix HashFamily = "crcmix" // MariaDB 10.8+ in SQL, and Go when streaming
	HashPG64   HashFamily = "pg64"   // PostgreSQL's hashtextextended, between PostgreSQL servers
)

// hashFamily picks the row-hash family of an engine pair (or the one forced by name). The
// family depends on the pair only, never on the mode, so that a table's fingerprint is the same
// in stream and pushdown mode. In order of preference:
//   - a cheap native family both sides compute in SQL (CRCMix between MariaDB 10.8+ servers,
//     PG64 between PostgreSQL 14+ servers): both sides push down;
//   - else a cheap native family one side computes in SQL (CRCMix first: a MariaDB side gains
//     most from pushing down): that side pushes down, the other streams and hashes in Go, which
//     is cheap for both families;
//   - else MD5, if both compute it (MySQL 8 against MySQL 8): both push down;
//   - else CRCMix, computed in Go only.
//
// MD5 is never picked across engines unless forced: PostgreSQL's md5() costs three times its
// own digest, and Go's MD5 five times its CRCMix.
func hashFamily(src, tgt dialect.DB, forced HashFamily) (checksum.Family, error) {
	if forced != "" && forced != HashAuto {
		for _, f := range []checksum.Family{checksum.MD5, checksum.CRCMix, checksum.PG64} {
			if f.String() == string(forced) {
				return f, nil
			}
		}
		return 0, invalid(fmt.Errorf("options: hash %q: want auto, md5, crcmix or pg64", forced))
	}
	sf, tf := sqlFamilies(src), sqlFamilies(tgt)
	cheap := []checksum.Family{checksum.CRCMix, checksum.PG64}
	for _, f := range cheap {
		if slices.Contains(sf, f) && slices.Contains(tf, f) {
			return f, nil
		}
	}
	for _, f := range cheap {
		if slices.Contains(sf, f) || slices.Contains(tf, f) {
			return f, nil
		}
	}
	if slices.Contains(sf, checksum.MD5) && slices.Contains(tf, checksum.MD5) {
		return checksum.MD5, nil
	}
	return checksum.CRCMix, nil
}

// sqlFamilies lists the families a database computes in SQL.
func sqlFamilies(db dialect.DB) []checksum.Family {
	if p, ok := db.(dialect.Pushdown); ok {
		return p.HashFamilies()
	}
	return nil
}

// layoutFor is how the compared columns enter the hash text: the form of each follows from its
// class (the same on both sides once reconciled), the decimals' scales on both sides, and
// whether a side prints fractions of seconds without trailing zeros (PostgreSQL).
func (j *job) layoutFor(fam checksum.Family) checksum.Layout {
	l := checksum.Layout{Family: fam, Forms: make([]checksum.Form, len(j.scols))}
	trim := trimsFractions(j.src.DB) || trimsFractions(j.tgt.DB)
	for i := range j.scols {
		sc, tc := j.st.Columns[j.scols[i]], j.tt.Columns[j.tcols[i]]
		f := &l.Forms[i]
		switch sc.Class {
		case dialect.ClassInt, dialect.ClassUint, dialect.ClassDate, dialect.ClassYear, dialect.ClassBool:
			f.Kind = checksum.FormPlain
		case dialect.ClassDecimal:
			f.Kind, f.Scale = checksum.FormDecimal, -1
			ss, ok1 := sc.DecimalScale()
			ts, ok2 := tc.DecimalScale()
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

// choosePush decides which sides hash in SQL: none when asked to stream; in auto mode each side
// that can write every compared column in its form and computes the family in SQL; with
// --mode pushdown both, or an error saying why a side cannot. The report says which, and why a
// side streams.
func (j *job) choosePush() error {
	j.rep.Hash = j.layout.Family.String()
	if j.opt.Mode != ModeStream {
		shared := j.sharedBlocker()
		var why [2]string
		for side := range 2 {
			why[side] = shared
			if why[side] == "" {
				why[side] = j.sideBlocker(side)
			}
			j.push[side] = why[side] == ""
		}
		for _, w := range why {
			if j.opt.Mode == ModePushdown && w != "" {
				return invalid(optionError("Mode", fmt.Errorf("table %s: pushdown mode: %s (auto mode streams what cannot be pushed down)", j.src.tableName(j.st), w)))
			}
		}
		switch {
		case why[0] != "" && why[0] == why[1]:
			j.rep.Note = and2(j.rep.Note, "streamed: "+why[0])
		default:
			for side, w := range why {
				if w != "" {
					j.rep.Note = and2(j.rep.Note, []string{"source", "target"}[side]+" streamed: "+w)
				}
			}
		}
	}
	switch {
	case j.push[0] && j.push[1]:
		j.rep.Mode = ModePushdown
	case !j.push[0] && !j.push[1]:
		j.rep.Mode = ModeStream
	case j.push[0]:
		j.rep.Mode = ModeSourcePushdown
	default:
		j.rep.Mode = ModeTargetPushdown
	}
	return nil
}

// sharedBlocker says why neither side can hash the table in SQL, or "".
func (j *job) sharedBlocker() string {
	switch {
	case j.tol != nil:
		return "tolerances are applied in Go"
	case j.keyOrderDiffers():
		return "the key may order differently on the two sides (rows are bucketed in Go)"
	}
	return ""
}

// sideBlocker says why one side cannot hash the table in SQL, or "".
func (j *job) sideBlocker(side int) string {
	e, t, cols := j.side(side)
	name := []string{"the source", "the target"}[side]
	p, ok := e.DB.(dialect.Pushdown)
	if !ok || !slices.Contains(p.HashFamilies(), j.layout.Family) {
		return fmt.Sprintf("%s (%s %s) does not compute %s hashes in SQL", name, e.DB.Engine(), e.DB.Version(), j.layout.Family)
	}
	for i, f := range j.layout.Forms {
		if c := t.Columns[cols[i]]; !p.CanHash(c, f) {
			return fmt.Sprintf("column %s (%s) has no exact SQL form on %s", c.Name, c.Type, name)
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

// trimsFractions reports whether db writes fractions of seconds without trailing zeros.
func trimsFractions(db dialect.DB) bool {
	t, ok := db.(dialect.FractionTrimmer)
	return ok && t.TrimsTimeFractions()
}
