package dialect

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Position is a point of a replication stream, in each form the server told it: a
// PostgreSQL WAL location, a MySQL/MariaDB GTID set, a binary log coordinate. The zero Position
// is no position.
type Position struct {
	// WAL says LSN holds a PostgreSQL write-ahead log location.
	WAL bool
	LSN uint64
	// GTID is the set of transactions applied or written (MySQL gtid_executed, MariaDB
	// gtid_binlog_pos/gtid_slave_pos); nil when not known.
	GTID *GTIDSet
	// File and Offset are a binary log coordinate of the source (SHOW MASTER STATUS on the
	// source; Relay_Master_Log_File and Exec_Master_Log_Pos on a replica); File is "" when not
	// known.
	File   string
	Offset uint64
	// ServerID is the server_id of the server whose binary log File is; 0 when not known.
	// Two servers' logs may well have the same file names.
	ServerID uint64
}

// IsZero tells the zero Position, which names no point.
func (p Position) IsZero() bool { return !p.WAL && p.GTID == nil && p.File == "" }

// String is the position in the server's own notation: 0/16B3748, 0-1-42, binlog.000002:1234.
func (p Position) String() string {
	var parts []string
	if p.WAL {
		parts = append(parts, FormatLSN(p.LSN))
	}
	if p.GTID != nil {
		g := p.GTID.String()
		if g == "" {
			g = "(no gtid)"
		}
		parts = append(parts, g)
	}
	if p.File != "" {
		parts = append(parts, fmt.Sprintf("%s:%d", p.File, p.Offset))
	}
	return strings.Join(parts, " ")
}

// MarshalText writes String, for JSON.
func (p Position) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Reach is how a target's applied position stands against a source position.
type Reach struct {
	// Reached: the target has applied every change up to the source position.
	Reached bool
	// Distance is how far the target trails, in Unit; 0 when reached.
	Distance uint64
	// Unit is "bytes" (WAL, or binary log in one file) or "transactions" (GTIDs); "" when
	// the distance is not known (the target is in an earlier binary log file).
	Unit string
}

// ErrIncomparable is returned when two positions share no form to compare.
var ErrIncomparable = errors.New("replication positions of different forms")

// ReachedBy tells whether applied, a target's applied position, is at or past p, a source's
// position, and how far it trails. GTIDs are compared first, then a binary log coordinate,
// then WAL locations; positions with none of them in common give ErrIncomparable.
func (p Position) ReachedBy(applied Position) (Reach, error) {
	switch {
	case p.GTID != nil && applied.GTID != nil && p.GTID.mariadb == applied.GTID.mariadb:
		n := applied.GTID.Missing(*p.GTID)
		return Reach{Reached: n == 0, Distance: n, Unit: "transactions"}, nil
	case p.File != "" && applied.File != "":
		if p.ServerID != 0 && applied.ServerID != 0 && p.ServerID != applied.ServerID {
			return Reach{}, fmt.Errorf("%w: binary logs of servers %d and %d", ErrIncomparable, p.ServerID, applied.ServerID)
		}
		c, ok := compareBinlogFiles(applied.File, p.File)
		switch {
		case !ok:
			return Reach{}, fmt.Errorf("%w: binary logs %s and %s", ErrIncomparable, p.File, applied.File)
		case c > 0:
			return Reach{Reached: true, Unit: "bytes"}, nil
		case c < 0:
			return Reach{}, nil
		case applied.Offset >= p.Offset:
			return Reach{Reached: true, Unit: "bytes"}, nil
		}
		return Reach{Distance: p.Offset - applied.Offset, Unit: "bytes"}, nil
	case p.WAL && applied.WAL:
		if applied.LSN >= p.LSN {
			return Reach{Reached: true, Unit: "bytes"}, nil
		}
		return Reach{Distance: p.LSN - applied.LSN, Unit: "bytes"}, nil
	}
	return Reach{}, fmt.Errorf("%w: %s and %s", ErrIncomparable, p, applied)
}

// compareBinlogFiles orders two binary log file names of one server (base.000042): ok is
// false when their bases differ.
func compareBinlogFiles(a, b string) (int, bool) {
	ab, an, aok := splitBinlog(a)
	bb, bn, bok := splitBinlog(b)
	if !aok || !bok || ab != bb {
		return 0, a == b
	}
	switch {
	case an < bn:
		return -1, true
	case an > bn:
		return 1, true
	}
	return 0, true
}

func splitBinlog(f string) (base string, n uint64, ok bool) {
	i := strings.LastIndexByte(f, '.')
	if i < 0 {
		return "", 0, false
	}
	n, err := strconv.ParseUint(f[i+1:], 10, 64)
	return f[:i], n, err == nil
}

// ParseLSN reads a PostgreSQL LSN in its text form, X/X in hexadecimal.
func ParseLSN(s string) (uint64, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed LSN %q", s)
	}
	return h<<32 | l, nil
}

// FormatLSN writes an LSN as PostgreSQL does.
func FormatLSN(lsn uint64) string { return fmt.Sprintf("%X/%X", lsn>>32, uint32(lsn)) }

// GTIDSet is a set of global transaction ids, of MySQL (source UUID, optional tag, intervals
// of transaction numbers) or of MariaDB (per replication domain, the sequence number reached:
// MariaDB applies a domain's transactions in order, so reaching n means holding all before).
type GTIDSet struct {
	mariadb bool
	text    string
	ivs     map[string][]interval // by UUID[:tag] (MySQL) or domain id (MariaDB)
}

// interval is the transaction numbers lo..hi, both included.
type interval struct{ lo, hi uint64 }

// String is the set as the server wrote it.
func (g *GTIDSet) String() string { return g.text }

// ParseMySQLGTIDSet reads a MySQL GTID set (@@gtid_executed): uuid:1-5:7,uuid2[:tag]:1-3.
func ParseMySQLGTIDSet(s string) (*GTIDSet, error) {
	text := strings.Join(strings.Fields(s), "")
	g := &GTIDSet{text: text, ivs: map[string][]interval{}}
	if text == "" {
		return g, nil
	}
	for _, part := range strings.Split(text, ",") {
		fields := strings.Split(part, ":")
		uuid := strings.ToLower(fields[0])
		if len(uuid) != 36 {
			return nil, fmt.Errorf("malformed GTID set %q: %q is no UUID", s, fields[0])
		}
		key := uuid
		for _, f := range fields[1:] {
			lo, hi, isRange := strings.Cut(f, "-")
			a, err := strconv.ParseUint(lo, 10, 64)
			if err != nil { // MySQL 8.4 tagged GTIDs: uuid:tag:1-5
				if f == "" || strings.ContainsAny(f, "-") {
					return nil, fmt.Errorf("malformed GTID set %q at %q", s, f)
				}
				key = uuid + ":" + strings.ToLower(f)
				continue
			}
			b := a
			if isRange {
				if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
					return nil, fmt.Errorf("malformed GTID set %q at %q", s, f)
				}
			}
			g.ivs[key] = append(g.ivs[key], interval{a, b})
		}
	}
	for k, ivs := range g.ivs {
		g.ivs[k] = merge(ivs)
	}
	return g, nil
}

// ParseMariaDBGTIDPos reads a MariaDB GTID position (@@gtid_binlog_pos, @@gtid_slave_pos):
// domain-server-seq, one per domain, comma-separated.
func ParseMariaDBGTIDPos(s string) (*GTIDSet, error) {
	text := strings.Join(strings.Fields(s), "")
	g := &GTIDSet{mariadb: true, text: text, ivs: map[string][]interval{}}
	if text == "" {
		return g, nil
	}
	for _, part := range strings.Split(text, ",") {
		f := strings.Split(part, "-")
		if len(f) != 3 {
			return nil, fmt.Errorf("malformed MariaDB GTID position %q at %q", s, part)
		}
		var n [3]uint64
		for i := range f {
			v, err := strconv.ParseUint(f[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("malformed MariaDB GTID position %q at %q", s, part)
			}
			n[i] = v
		}
		dom := strconv.FormatUint(n[0], 10)
		if ivs := g.ivs[dom]; len(ivs) == 0 || ivs[0].hi < n[2] {
			g.ivs[dom] = []interval{{1, n[2]}}
		}
	}
	return g, nil
}

// Missing counts the transactions of o that g does not hold (0: g contains o).
func (g *GTIDSet) Missing(o GTIDSet) uint64 {
	var n uint64
	for k, want := range o.ivs {
		have := g.ivs[k]
		for _, w := range want {
			n += w.hi - w.lo + 1
			for _, h := range have {
				lo, hi := max(w.lo, h.lo), min(w.hi, h.hi)
				if lo <= hi {
					n -= hi - lo + 1
				}
			}
		}
	}
	return n
}

// merge sorts intervals and joins those that overlap or touch.
func merge(ivs []interval) []interval {
	slices.SortFunc(ivs, func(a, b interval) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	out := ivs[:0]
	for _, iv := range ivs {
		if n := len(out); n > 0 && iv.lo <= out[n-1].hi+1 {
			out[n-1].hi = max(out[n-1].hi, iv.hi)
			continue
		}
		out = append(out, iv)
	}
	return out
}
