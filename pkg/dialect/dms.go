package dialect

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DMSTxnStateTable is the table AWS DMS keeps on a task's target when the task setting
// TaskRecoveryTableEnabled is on: a row per task with the task's recovery checkpoint, which
// names the source position whose changes the task has applied.
const DMSTxnStateTable = "awsdms_txn_state"

// The AWS DMS answers that are not failures: the position is not known, and why.
var (
	// ErrDMSNotEnabled: the target has no awsdms_txn_state table in the schema looked at. The
	// task's TaskRecoveryTableEnabled setting is off (dbverify migrate turns it on), the task
	// is full load only (DMS makes control tables only with CDC), or its ControlSchema names
	// another schema.
	ErrDMSNotEnabled = errors.New("no AWS DMS recovery table (awsdms_txn_state) on the target: the task's TaskRecoveryTableEnabled setting is off, the task does no CDC, or its ControlSchema is another schema")
	// ErrDMSCheckpoint: a checkpoint is not of the documented form.
	ErrDMSCheckpoint = errors.New("not an AWS DMS checkpoint of the documented form")
)

// DMSCheckpointReader is implemented by databases that can be the target of an AWS DMS task and
// read its recovery table.
type DMSCheckpointReader interface {
	// DMSCheckpoints reads every row of awsdms_txn_state in schema ("" for DMS's default
	// control schema, then the current database or schema), ordered by task. ok is false when
	// there is no such table. A row whose checkpoint cannot be parsed is returned with Err set.
	DMSCheckpoints(ctx context.Context, schema string) (cps []DMSCheckpoint, ok bool, err error)
}

// DMSCheckpoint is one row of awsdms_txn_state: a task's last recovery checkpoint.
type DMSCheckpoint struct {
	Server     string      `json:"server"`        // SERVER_NAME: the replication instance's machine
	Task       string      `json:"task"`          // TASK_NAME: the task's resource ID (the end of its ARN)
	Time       time.Time   `json:"time,omitzero"` // STATE_TIME: when DMS wrote the row (zero if unreadable)
	Checkpoint string      `json:"checkpoint"`    // CHECKPOINT as DMS wrote it
	Position   DMSPosition `json:"position"`      // the source position it names (zero if Err)
	Err        error       `json:"-"`             // why Checkpoint could not be parsed
}

// DMSPosition is the source position a DMS checkpoint names: up to there, the task has applied
// the source's changes to the target. Exactly one of LSN (a PostgreSQL source) and File (a
// MySQL or MariaDB source) is set.
type DMSPosition struct {
	// LSN is a PostgreSQL source's WAL position.
	LSN uint64 `json:"lsn,omitempty"`
	// File and Pos are a MySQL-family source's binary log file and the offset the checkpoint
	// names first (in the documented example, the start of the last event applied).
	File string `json:"binlog_file,omitempty"`
	Pos  uint64 `json:"binlog_pos,omitempty"`
	// End is the offset the checkpoint names after it, where the next event starts: every
	// change before End is applied. 0 when the checkpoint does not give it.
	End uint64 `json:"binlog_end,omitempty"`
}

// IsLSN reports whether the position is a PostgreSQL LSN.
func (p DMSPosition) IsLSN() bool { return p.File == "" }

// String is the position as its source writes it: an LSN as pg_current_wal_lsn() prints it
// (132/F000E48), a binary log position as FILE:OFFSET with the offset applied through (End when
// known, else Pos).
func (p DMSPosition) String() string {
	if p.IsLSN() {
		return fmt.Sprintf("%X/%X", p.LSN>>32, uint32(p.LSN))
	}
	if p.End > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.End)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Pos)
}

// lsnRE is a PostgreSQL LSN as the checkpoint writes it: two 32-bit halves in hexadecimal (DMS
// pads each to 8 digits; PostgreSQL itself does not).
var lsnRE = regexp.MustCompile(`^([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})$`)

// binlogRE is a binary log file's name: a base name and a numeric extension
// (mysql-bin-changelog.157832, binlog.000003).
var binlogRE = regexp.MustCompile(`^[^\s/\\:#]+\.[0-9]+$`)

// cut shortens s to n bytes for a message.
func cut(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// ParseDMSCheckpoint reads the source position out of an AWS DMS recovery checkpoint.
//
// The AWS DMS User Guide gives the form by example only. "Using a checkpoint as a CDC start
// point": "For example, the following is a sample checkpoint in the metadata table:
// checkpoint:V1#34#00000132/0F000E48#0#0#*#0#121" (a PostgreSQL source: the third field is the
// LSN 132/F000E48). The API reference, CdcStartPosition: "Checkpoint Example:
// --cdc-start-position "checkpoint:V1#27#mysql-bin-changelog.157832:1975:-1:2002:677883278264080:mysql-bin-changelog.157832:1876#0#0#*#0#93""
// (a MySQL source: the third field starts with the binary log file and offset, which the guide
// writes on its own as "a combination of the binlogs file name and the position, for example
// mysql-bin-changelog.000024:373"). Nothing documents the other fields, and none is read but
// one: in the MySQL example the fourth part of the position (2002) is 27 bytes past the
// second (1975), the size of a commit (XID) event without checksum, so it is taken as where
// the next event starts (End). The "checkpoint:" prefix may be left out; the version must be
// V1. Anything else is an error wrapping ErrDMSCheckpoint.
func ParseDMSCheckpoint(s string) (DMSPosition, error) {
	bad := func(why string) (DMSPosition, error) {
		return DMSPosition{}, fmt.Errorf("%w: %q: %s", ErrDMSCheckpoint, cut(s, 120), why)
	}
	t := strings.TrimSpace(s)
	if len(t) >= len("checkpoint:") && strings.EqualFold(t[:len("checkpoint:")], "checkpoint:") {
		t = t[len("checkpoint:"):]
	}
	if t == "" {
		return bad("empty")
	}
	f := strings.Split(t, "#")
	if len(f) < 3 {
		return bad("want fields V1#N#POSITION#..., separated by #")
	}
	if f[0] != "V1" {
		return bad(fmt.Sprintf("version %q, not V1", cut(f[0], 40)))
	}
	if _, err := strconv.ParseUint(f[1], 10, 32); err != nil {
		return bad(fmt.Sprintf("second field %q is not a number", cut(f[1], 40)))
	}
	pos := f[2]
	if m := lsnRE.FindStringSubmatch(pos); m != nil {
		hi, _ := strconv.ParseUint(m[1], 16, 32)
		lo, _ := strconv.ParseUint(m[2], 16, 32)
		return DMSPosition{LSN: hi<<32 | lo}, nil
	}
	parts := strings.Split(pos, ":")
	if len(parts) < 2 || strings.Contains(pos, "/") {
		return bad(fmt.Sprintf("position %q is neither a PostgreSQL LSN (HEX/HEX) nor a binary log FILE:OFFSET", cut(pos, 40)))
	}
	file := parts[0]
	if !binlogRE.MatchString(file) {
		return bad(fmt.Sprintf("binary log file name %q is not NAME.NUMBER", cut(file, 40)))
	}
	off, err := strconv.ParseUint(parts[1], 10, 64)
	if err != nil {
		return bad(fmt.Sprintf("binary log offset %q is not a number", cut(parts[1], 40)))
	}
	p := DMSPosition{File: file, Pos: off}
	if len(parts) >= 4 {
		if end, err := strconv.ParseUint(parts[3], 10, 64); err == nil && end > off {
			p.End = end
		}
	}
	return p, nil
}

// NewDMSCheckpoint makes a row of awsdms_txn_state from its columns as text, parsing the
// checkpoint (Err when it cannot) and the time (DMS writes a timestamp without time zone, in
// UTC; zero when it cannot be read).
func NewDMSCheckpoint(server, task, stateTime, checkpoint string) DMSCheckpoint {
	c := DMSCheckpoint{Server: server, Task: task, Checkpoint: checkpoint}
	c.Position, c.Err = ParseDMSCheckpoint(checkpoint)
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(stateTime), time.UTC); err == nil {
			c.Time = t
			break
		}
	}
	return c
}

// DMSApplied returns the source position an AWS DMS task has applied to the target db, from the
// task's row of awsdms_txn_state in schema ("" for DMS's default control schema, then the
// current one). task is the task's resource ID (the end of its ARN; a whole ARN is cut to it),
// or "" when the table holds one task only.
//
//   - ok, nil: pos is the position the task's last checkpoint names.
//   - !ok, nil: the table has no row for the task yet (DMS writes it at its first checkpoint).
//   - !ok, an error wrapping ErrDMSNotEnabled: the target has no such table, or its engine
//     cannot read one.
//   - !ok, an error wrapping ErrDMSCheckpoint: the task's checkpoint is not of the documented
//     form.
//   - !ok, another error: the table could not be read, or task is "" and it holds several.
//
// A task with rows from several replication instances (it was moved) answers with the latest.
func DMSApplied(ctx context.Context, db DB, schema, task string) (pos DMSPosition, ok bool, err error) {
	r, can := db.(DMSCheckpointReader)
	if !can {
		return DMSPosition{}, false, fmt.Errorf("%w (%s targets are not read for it)", ErrDMSNotEnabled, db.Engine())
	}
	cps, found, err := r.DMSCheckpoints(ctx, schema)
	switch {
	case err != nil:
		return DMSPosition{}, false, err
	case !found:
		return DMSPosition{}, false, ErrDMSNotEnabled
	}
	if i := strings.LastIndex(task, ":"); i >= 0 {
		task = task[i+1:] // an ARN: arn:aws:dms:REGION:ACCOUNT:task:ID
	}
	var best *DMSCheckpoint
	var tasks []string
	seen := map[string]bool{}
	for i := range cps {
		c := &cps[i]
		if !seen[c.Task] {
			seen[c.Task] = true
			tasks = append(tasks, c.Task)
		}
		if task != "" && c.Task != task {
			continue
		}
		if best == nil || c.Time.After(best.Time) {
			best = c
		}
	}
	switch {
	case task == "" && len(tasks) > 1:
		return DMSPosition{}, false, fmt.Errorf("%s holds the checkpoints of %d tasks (%s): name the task", DMSTxnStateTable, len(tasks), strings.Join(tasks, ", "))
	case best == nil:
		return DMSPosition{}, false, nil
	case best.Err != nil:
		return DMSPosition{}, false, fmt.Errorf("task %s: %w", best.Task, best.Err)
	}
	return best.Position, true, nil
}

// Compare orders two positions of one source: -1 if p comes before q, 0 if they are the same,
// +1 if p comes after. LSNs compare as numbers; binary log positions by the file's number, then
// by the offset applied through (End when known, else Pos). Positions of different kinds, or
// of binary logs with different base names (another server's), are an error.
func (p DMSPosition) Compare(q DMSPosition) (int, error) {
	if p.IsLSN() != q.IsLSN() {
		return 0, fmt.Errorf("cannot compare %s with %s: one is an LSN, the other a binary log position", p, q)
	}
	if p.IsLSN() {
		return cmp3(p.LSN, q.LSN), nil
	}
	pb, pn, err1 := binlogNumber(p.File)
	qb, qn, err2 := binlogNumber(q.File)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	if pb != qb {
		return 0, fmt.Errorf("cannot compare %s with %s: binary logs of different names", p, q)
	}
	if c := cmp3(pn, qn); c != 0 {
		return c, nil
	}
	return cmp3(p.applied(), q.applied()), nil
}

// applied is the binary log offset the position is applied through.
func (p DMSPosition) applied() uint64 {
	if p.End > 0 {
		return p.End
	}
	return p.Pos
}

// binlogNumber splits a binary log file name into its base and number.
func binlogNumber(file string) (string, uint64, error) {
	i := strings.LastIndexByte(file, '.')
	n, err := strconv.ParseUint(file[i+1:], 10, 64)
	if i < 0 || err != nil {
		return "", 0, fmt.Errorf("binary log file name %q is not NAME.NUMBER", file)
	}
	return file[:i], n, nil
}

func cmp3(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DMSTask tells how far an AWS DMS task has applied its source on the target it writes, from
// the task's recovery checkpoint table (DMSApplied): a dialect.AppliedPositioner for a target
// that is not a replica, so that Watch can tell drift from changes in flight by position.
type DMSTask struct {
	DB     DB     // the target the task writes
	Schema string // where awsdms_txn_state is; "" for DMS's default control schema
	Task   string // the task's resource ID or ARN; "" when the table holds one task
}

var _ AppliedPositioner = DMSTask{}

// AppliedPosition implements AppliedPositioner: the position the task's last checkpoint names,
// a WAL location for a PostgreSQL source, a binary log coordinate (where the next event starts)
// for a MySQL-family one. ok is false while the task has written no checkpoint.
func (t DMSTask) AppliedPosition(ctx context.Context) (Position, bool, error) {
	p, ok, err := DMSApplied(ctx, t.DB, t.Schema, t.Task)
	if err != nil || !ok {
		return Position{}, false, err
	}
	if p.IsLSN() {
		return Position{WAL: true, LSN: p.LSN}, true, nil
	}
	return Position{File: p.File, Offset: p.applied()}, true, nil
}
