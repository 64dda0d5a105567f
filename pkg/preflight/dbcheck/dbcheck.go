// Package dbcheck checks, read-only, that a database is ready to be the source of a
// change-data-capture migration (AWS DMS full load + CDC, or a replica fed by the binary log or
// logical replication): the server's change log settings, a key on every table, and large
// values that a task in limited LOB mode would truncate. Every problem is a preflight.Finding;
// one run lists them all.
//
// It reads through the dialects' read-only connections (package verify's Open): settings,
// the catalog, and for the LOB check one MAX(LENGTH(col)) scan per table with LOB columns,
// bounded by Options.ScanTimeout.
package dbcheck

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dbverify/dbverify/pkg/dialect"
	"github.com/dbverify/dbverify/pkg/dialect/mysql"
	"github.com/dbverify/dbverify/pkg/dialect/postgres"
	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/preflight"
	"github.com/dbverify/dbverify/pkg/verify"
)

// LOB modes of an AWS DMS task (its TargetMetadata settings).
const (
	LOBLimited = "limited" // LimitedSizeLobMode: values longer than LobMaxSize are truncated
	LOBFull    = "full"    // FullLobMode: every value whole, piece by piece
	LOBInline  = "inline"  // FullLobMode with InlineLobMaxSize: small values inline, larger ones as in full mode
)

// Defaults.
const (
	DefaultLOBMaxKB     = 32 // DMS's own default LobMaxSize
	DefaultScanTimeout  = 10 * time.Minute
	DefaultMinRetention = 24 * time.Hour
	settingsTimeout     = time.Minute // reading settings and the catalog
)

// Options say what to check. Zero values mean the defaults.
type Options struct {
	Tables  []string // tables of the source's schema: names or glob patterns; empty: all of them
	Exclude []string // tables to leave out: names or glob patterns
	// Mapping limits the tables to those a DMS task's table mappings select; nil selects all.
	Mapping *mapping.Mapper
	// LOBMode is the task's LOB mode: limited (default), full or inline. Only limited mode
	// truncates, so only it has the longest values measured.
	LOBMode  string
	LOBMaxKB int // limited mode's LobMaxSize in KB; 0 means 32
	// ScanTimeout bounds the scan that measures one table's LOB columns; 0 means 10 minutes. A
	// table whose scan takes longer is reported as unchecked.
	ScanTimeout time.Duration
	// MinRetention is the least binary log retention accepted (MySQL); 0 means 24 hours.
	MinRetention time.Duration
	// Progress hears what is being checked (the LOB scans take a while); nil discards.
	Progress func(string)
}

func (o *Options) defaults() error {
	switch o.LOBMode = strings.ToLower(o.LOBMode); o.LOBMode {
	case "":
		o.LOBMode = LOBLimited
	case LOBLimited, LOBFull, LOBInline:
	default:
		return fmt.Errorf("LOB mode %q is not limited, full or inline", o.LOBMode)
	}
	switch {
	case o.LOBMaxKB < 0:
		return fmt.Errorf("LOB max size %d KB is negative", o.LOBMaxKB)
	case o.LOBMaxKB == 0:
		o.LOBMaxKB = DefaultLOBMaxKB
	}
	if o.ScanTimeout <= 0 {
		o.ScanTimeout = DefaultScanTimeout
	}
	if o.MinRetention <= 0 {
		o.MinRetention = DefaultMinRetention
	}
	for _, p := range append(slices.Clone(o.Tables), o.Exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("table pattern %q: %v", p, err)
		}
	}
	if o.Progress == nil {
		o.Progress = func(string) {}
	}
	return nil
}

// checker is one run of the checks on one endpoint.
type checker struct {
	e      *verify.Endpoint
	secret string // the DSN's password, scrubbed from messages drivers build
	opt    Options
	where  string
	out    preflight.Findings
}

func (c *checker) add(sev preflight.Severity, what, cause, fix string) {
	c.out = append(c.out, preflight.Finding{Severity: sev, Where: c.where, What: what, Cause: cause, Fix: fix})
}

// unchecked records a check that could not run.
func (c *checker) unchecked(what string, err error) {
	msg := err.Error()
	if len(c.secret) >= 3 {
		msg = strings.ReplaceAll(msg, c.secret, "***")
	}
	c.add(preflight.Unchecked, what, "could not check: "+msg, "")
}

// Source connects to the source database dsn, read-only, runs every check and returns what it
// found. The error is for a run that could not check at all (bad options, a DSN that does not
// connect, the caller's context ended); a check that could not run is a finding of severity
// Unchecked, and the others still run. Errors wrap verify.ErrInvalid for bad input.
func Source(ctx context.Context, dsn string, opt Options) (preflight.Findings, error) {
	if dsn == "" {
		return nil, ErrNoSource
	}
	if err := opt.defaults(); err != nil {
		return nil, fmt.Errorf("preflight: %w: %w", verify.ErrInvalid, err)
	}
	e, err := verify.Open(ctx, verify.Source, dsn, verify.OpenOptions{Conns: 2})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	c := &checker{e: e, secret: dialect.Password(dsn), opt: opt, where: "source " + e.DSN()}
	switch db := e.DB.(type) {
	case *mysql.DB:
		c.mysql(ctx, db)
	case *postgres.DB:
		c.postgres(ctx, db)
	default:
		c.add(preflight.Unchecked, "server settings", fmt.Sprintf("no replication checks for engine %s", e.DB.Engine()), "")
	}
	if err := ctx.Err(); err != nil {
		return c.out, err
	}
	c.tables(ctx)
	return c.out, ctx.Err()
}

// --- MySQL, MariaDB, Aurora MySQL ---

func (c *checker) mysql(ctx context.Context, db *mysql.DB) {
	ctx, cancel := context.WithTimeout(ctx, settingsTimeout)
	defer cancel()
	c.opt.Progress("reading the binary log settings")
	rds, isRDS, rdsErr := db.RDSConfiguration(ctx)
	vars, err := db.GlobalVariables(ctx, "log_bin", "binlog_format", "binlog_row_image",
		"binlog_expire_logs_seconds", "expire_logs_days")
	if err != nil {
		c.unchecked("binary log settings", err)
		return
	}
	paramGroup := "the DB parameter group (Aurora MySQL: the DB cluster parameter group), then reboot"

	if v := strings.ToUpper(vars["log_bin"]); v != "ON" && v != "1" {
		fix := "start the server with log-bin (and a server_id), e.g. log_bin=mysql-bin in my.cnf, and restart it"
		if isRDS {
			fix = "turn on automated backups (a backup retention period above 0): RDS turns binary logging on with them"
		}
		c.add(preflight.Error, "log_bin", fmt.Sprintf("binary logging is off (log_bin=%s): change data capture reads the binary log", orNone(vars["log_bin"])), fix)
	}
	if v := strings.ToUpper(vars["binlog_format"]); v != "ROW" {
		fix := "SET GLOBAL binlog_format = 'ROW' and set binlog_format=ROW in my.cnf (sessions already open keep the old format until they reconnect)"
		if isRDS {
			fix = "set binlog_format=ROW in " + paramGroup
		}
		c.add(preflight.Error, "binlog_format", fmt.Sprintf("is %s, not ROW: change data capture needs every changed row in the binary log", orNone(vars["binlog_format"])), fix)
	}
	// Servers before binlog_row_image (MySQL 5.6, MariaDB 10.1.6) always log full rows.
	if v, ok := vars["binlog_row_image"]; ok && strings.ToUpper(v) != "FULL" {
		fix := "SET GLOBAL binlog_row_image = 'FULL' and set binlog_row_image=FULL in my.cnf"
		if isRDS {
			fix = "set binlog_row_image=FULL in " + paramGroup
		}
		c.add(preflight.Error, "binlog_row_image", fmt.Sprintf("is %s, not FULL: updates would log only some columns, and the replicated rows would lose the others", v), fix)
	}

	min := c.opt.MinRetention
	minHours := int64(min / time.Hour)
	switch {
	case rdsErr != nil:
		c.unchecked("binlog retention hours", rdsErr)
	case isRDS:
		v, ok := rds["binlog retention hours"]
		fix := fmt.Sprintf("CALL mysql.rds_set_configuration('binlog retention hours', %d)", max(minHours, 24))
		h, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		switch {
		case !ok:
			c.add(preflight.Unchecked, "binlog retention hours", "mysql.rds_show_configuration does not list it", "")
		case v == "" || strings.EqualFold(v, "NULL") || err != nil:
			c.add(preflight.Error, "binlog retention hours", "is not set (NULL): RDS removes binary logs as soon as it can, before a stopped or slow task reads them", fix)
		case time.Duration(h)*time.Hour < min:
			c.add(preflight.Error, "binlog retention hours", fmt.Sprintf("is %d, below %d: a task that stops for longer cannot resume", h, minHours), fix)
		}
	default:
		keep, what := binlogRetention(vars)
		if keep > 0 && keep < min {
			c.add(preflight.Error, what, fmt.Sprintf("keeps binary logs %s, less than %s: a task that stops for longer cannot resume", keep, min),
				fmt.Sprintf("SET GLOBAL binlog_expire_logs_seconds = %d (MariaDB before 10.6, MySQL 5.7: expire_logs_days = %d), and in my.cnf", int64(min/time.Second), (minHours+23)/24))
		}
	}
	if isRDS {
		c.opt.Progress("backups: on RDS only AWS knows whether automated backups are on (migrate plan --check reads BackupRetentionPeriod)")
	}
}

// binlogRetention is how long the server keeps binary logs, and the variable that says so; 0
// means forever. binlog_expire_logs_seconds wins when it is set (not 0), else expire_logs_days.
func binlogRetention(vars map[string]string) (time.Duration, string) {
	if s, err := strconv.ParseInt(vars["binlog_expire_logs_seconds"], 10, 64); err == nil && s > 0 {
		return time.Duration(s) * time.Second, "binlog_expire_logs_seconds"
	}
	if d, err := strconv.ParseFloat(vars["expire_logs_days"], 64); err == nil && d > 0 {
		return time.Duration(d * float64(24*time.Hour)), "expire_logs_days"
	}
	return 0, "binlog_expire_logs_seconds"
}

// --- PostgreSQL ---

func (c *checker) postgres(ctx context.Context, db *postgres.DB) {
	ctx, cancel := context.WithTimeout(ctx, settingsTimeout)
	defer cancel()
	c.opt.Progress("reading the WAL and replication settings")
	set, err := db.Settings(ctx, "wal_level", "max_replication_slots", "max_wal_senders", "max_slot_wal_keep_size", "rds.logical_replication")
	if err != nil {
		c.unchecked("replication settings", err)
		return
	}
	_, isRDS := set["rds.logical_replication"]
	if v := set["wal_level"].Value; v != "logical" {
		fix := "ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL (on RDS and Aurora: rds.logical_replication=1 in the parameter group, then reboot)"
		if isRDS {
			fix = "set rds.logical_replication=1 in the DB parameter group (Aurora PostgreSQL: the DB cluster parameter group) and reboot: it sets wal_level=logical"
		}
		c.add(preflight.Error, "wal_level", fmt.Sprintf("is %s, not logical: change data capture decodes the WAL with logical replication", orNone(v)), fix)
	}
	slots, senders, err := db.ReplicationUse(ctx)
	if err != nil {
		c.unchecked("replication slots and WAL senders", err)
	} else {
		restart := "then restart PostgreSQL"
		where := "ALTER SYSTEM SET %s = %d, " + restart
		if isRDS {
			where = "set %s=%d in the DB parameter group and reboot"
		}
		if n, err := strconv.Atoi(set["max_replication_slots"].Value); err == nil && n-slots < 1 {
			c.add(preflight.Error, "max_replication_slots", fmt.Sprintf("is %d and %d slots exist: none is free for the task's logical replication slot", n, slots),
				fmt.Sprintf(where, "max_replication_slots", slots+1))
		}
		if n, err := strconv.Atoi(set["max_wal_senders"].Value); err == nil && n-senders < 1 {
			c.add(preflight.Error, "max_wal_senders", fmt.Sprintf("is %d and %d WAL senders run: none is free for the task's replication connection", n, senders),
				fmt.Sprintf(where, "max_wal_senders", senders+1))
		}
	}
	c.slots(ctx, db)
	// Why a warning: -1 (the default) is the safe choice for the data, since no WAL a slot still
	// needs is removed, but a task that stops or falls behind then keeps WAL on the source's
	// disk without bound, and a full disk stops the source. A limit trades that for a slot that
	// is invalidated (and a task that must reload) when it falls further behind.
	if s, ok := set["max_slot_wal_keep_size"]; ok && s.Value == "-1" {
		c.add(preflight.Warning, "max_slot_wal_keep_size", "is -1 (unlimited): a task that stops or falls behind keeps WAL on the source's disk without bound, which can fill it",
			"set max_slot_wal_keep_size to the WAL the disk can spare, or watch the slot (pg_replication_slots) and the free storage while the task runs")
	}
}

// --- tables: keys and LOBs ---

// tables checks every selected table: a key DMS can apply changes by, and LOB values that a
// limited LOB mode would truncate.
func (c *checker) tables(ctx context.Context) {
	names, err := c.selected(ctx)
	if err != nil {
		c.unchecked("tables", err)
		return
	}
	lobs, _ := c.e.DB.(dialect.LOBReader)
	pg := c.e.DB.Engine() == dialect.Postgres
	limit := int64(c.opt.LOBMaxKB) * 1024
	for _, name := range names {
		if ctx.Err() != nil {
			return
		}
		tctx, cancel := context.WithTimeout(ctx, settingsTimeout)
		t, err := c.e.DB.Table(tctx, name)
		cancel()
		if err != nil {
			c.unchecked("table "+name, err)
			continue
		}
		c.key(t, name, pg)
		if lobs == nil || c.opt.LOBMode != LOBLimited {
			continue
		}
		cols := lobs.LOBColumns(t)
		if len(cols) == 0 {
			continue
		}
		colNames := make([]string, len(cols))
		for i, ci := range cols {
			colNames[i] = t.Columns[ci].Name
		}
		c.opt.Progress(fmt.Sprintf("scanning %s for its longest %s (one full scan, at most %s)", name, strings.Join(colNames, ", "), c.opt.ScanTimeout))
		start := time.Now()
		sctx, cancel := context.WithTimeout(ctx, c.opt.ScanTimeout)
		lens, err := lobs.MaxLengths(sctx, t, cols)
		timedOut := sctx.Err() != nil && ctx.Err() == nil
		cancel()
		switch {
		case timedOut:
			c.add(preflight.Unchecked, "table "+name, fmt.Sprintf("the scan for its longest LOB values (%s) took longer than %s", strings.Join(colNames, ", "), c.opt.ScanTimeout),
				"run it again with a longer scan timeout, or measure MAX(LENGTH(col)) yourself")
			continue
		case err != nil:
			c.unchecked("LOB columns of "+name, err)
			continue
		}
		c.opt.Progress(fmt.Sprintf("scanned %s in %s", name, time.Since(start).Round(time.Millisecond)))
		for i, n := range lens {
			if n > limit {
				c.add(preflight.Error, "column "+name+"."+colNames[i],
					fmt.Sprintf("its longest value is %s (%d bytes), over the task's LOB limit of %d KB: in limited LOB mode DMS truncates it without failing", kb(n), n, c.opt.LOBMaxKB),
					fmt.Sprintf("raise dms.lob.max_size_kb to at least %d, or use full or inline LOB mode", (n+1023)/1024))
			}
		}
	}
}

// key checks that DMS can apply a table's updates and deletes.
func (c *checker) key(t *dialect.Table, name string, pg bool) {
	switch {
	case t.KeyKind == dialect.KeyPrimary:
	case pg:
		// The DMS guide (PostgreSQL source limitations): "A captured table must have a primary
		// key. If a table doesn't have a primary key, AWS DMS ignores DELETE and UPDATE record
		// operations for that table."
		fix := "add a primary key, or leave the table out of the task's table mappings and copy it another way"
		if t.KeyKind == dialect.KeyUnique {
			fix = fmt.Sprintf("make unique index %s its primary key (ALTER TABLE %s ADD PRIMARY KEY USING INDEX %s), or leave the table out of the task", t.KeyName, name, t.KeyName)
		}
		c.add(preflight.Error, "table "+name, "has no primary key: DMS ignores its updates and deletes during change data capture", fix)
	case t.KeyKind == dialect.KeyNone:
		// MySQL: DMS needs a primary key or a unique key (its premigration assessment
		// "table-with-no-primary-key-or-unique-constraint").
		c.add(preflight.Error, "table "+name, "has no primary key and no unique key on NOT NULL columns: DMS cannot apply its updates and deletes",
			"add a primary key, or leave the table out of the task's table mappings and copy it another way")
	}
}

// selected lists the tables to check: Options.Tables expanded against the schema, less the
// excluded ones and those the mapping does not select.
func (c *checker) selected(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, settingsTimeout)
	defer cancel()
	all, err := c.e.DB.Tables(ctx)
	if err != nil {
		return nil, err
	}
	names := all
	if len(c.opt.Tables) > 0 {
		names = nil
		for _, p := range c.opt.Tables {
			n := 0
			for _, t := range all {
				if ok, _ := path.Match(p, t); ok || p == t {
					names = append(names, t)
					n++
				}
			}
			if n == 0 {
				c.add(preflight.Error, "table "+p, fmt.Sprintf("no table of schema %s is named or matches it", c.e.DB.Schema()), "check --tables")
			}
		}
	}
	var out []string
	for _, n := range names {
		if slices.Contains(out, n) || excluded(n, c.opt.Exclude) {
			continue
		}
		if _, _, include := c.opt.Mapping.Table(c.e.DB.Schema(), n); !include {
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

func excluded(name string, patterns []string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok || p == name {
			return true
		}
	}
	return false
}

// kb prints a byte count in KB or MB.
func kb(n int64) string {
	if n >= 10*1024*1024 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/1024)
}

func orNone(v string) string {
	if v == "" {
		return "(not set)"
	}
	return v
}

// ErrNoSource is returned when there is no source DSN to check.
var ErrNoSource = fmt.Errorf("%w: no source DSN to check", verify.ErrInvalid)
