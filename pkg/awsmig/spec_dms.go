package awsmig

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// LOB modes (dms.lob.mode).
const (
	LOBLimited = "limited"
	LOBFull    = "full"
	LOBInline  = "inline"
)

const (
	lobChunkKB = 64 // "The recommended value for LobChunkSize is 64 kilobytes."
	// maxParallelLoadThreads bounds dms.parallel_load_threads; DMS's per-target limits are lower
	// for some targets (it refuses the task then, naming the limit).
	maxParallelLoadThreads = 32
)

var (
	sslModes   = []string{"none", "require", "verify-ca", "verify-full"}
	dmsClassRE = regexp.MustCompile(`^dms\.[a-z0-9]+\.[a-z0-9]+$`)
)

// validateDMSSettings checks the task settings other than the LOB mode (validate does that)
// and the create section, and fills in defaults.
func (s *Spec) validateDMSSettings() []error {
	d := s.DMS
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if d.ParallelLoadThreads < 0 || d.ParallelLoadThreads > maxParallelLoadThreads {
		add("dms.parallel_load_threads: %d is outside 0..%d", d.ParallelLoadThreads, maxParallelLoadThreads)
	}
	if d.CDCOnly {
		// Why: the target restored from the snapshot already holds the data; a task that
		// emptied its tables first would leave them holding only what changed since.
		switch m := strings.ToUpper(d.TargetTablePrepMode); m {
		case "", "DO_NOTHING":
			d.TargetTablePrepMode = "DO_NOTHING"
		default:
			add("dms.cdc_only: target_table_prep_mode %s would empty the restored target's tables; a CDC-only task uses DO_NOTHING", m)
		}
		if s.targetIsCluster() {
			// Why: the position comes from a restored DB instance's recovery event; a cluster
			// restored from a snapshot reports it otherwise.
			add("dms.cdc_only: supported for a restored DB instance, not an Aurora cluster target")
		}
		if d.OnRerun == "reload" {
			add("dms.cdc_only: on_rerun: reload would load every table again; a CDC-only task resumes")
		}
	}
	if c := d.Create; c != nil {
		switch {
		case c.InstanceClass == "":
			add("dms.create.instance_class: required (e.g. dms.r5.large)")
		case !dmsClassRE.MatchString(c.InstanceClass):
			add("dms.create.instance_class: %q is not a DMS instance class (e.g. dms.r5.large)", c.InstanceClass)
		}
		if c.AllocatedStorage < 0 {
			add("dms.create.allocated_storage: must not be negative")
		}
		switch c.SSLMode = strings.ToLower(c.SSLMode); {
		case c.SSLMode == "":
			c.SSLMode = "require"
		case !slices.Contains(sslModes, c.SSLMode):
			add("dms.create.ssl_mode: %q is not one of %s", c.SSLMode, strings.Join(sslModes, ", "))
		}
		if (c.SSLMode == "verify-ca" || c.SSLMode == "verify-full") && c.CertificateARN == "" {
			add("dms.create.certificate_arn: required with ssl_mode %s", c.SSLMode)
		}
		if c.KMSKeyID != "" && strings.HasPrefix(c.KMSKeyID, "arn:") {
			if r, ok := arnRegion(c.KMSKeyID); ok && r != s.Target.Region {
				add("dms.create.kms_key_id: the key is in %s but the replication instance is created in %s: use a key of %s", r, s.Target.Region, s.Target.Region)
			}
		}
		for _, f := range []struct{ name, dsn string }{{"source.dsn", s.Source.DSN}, {"target.dsn", s.Target.DSN}} {
			if _, err := parseEndpointDSN(f.dsn); err != nil {
				add("%s: dms.create makes the DMS endpoint from it: %v", f.name, err)
			}
		}
	}
	return errs
}

// taskSettings is the task's ReplicationTaskSettings JSON: what the spec says about preparing
// the target's tables, LOBs, parallel load and validation, and the task recovery table, which
// is always on (the awsdms_txn_state table on the target records the last transaction
// applied, so a later check can tell where CDC stands: dialect.DMSApplied reads it). Keys left
// out keep DMS's defaults.
func taskSettings(s *Spec) string {
	d := s.DMS
	// Every setting the spec governs is given, its default included, so that a task modified to
	// match the spec keeps nothing of an earlier one (an InlineLobMaxSize, validation on).
	meta := map[string]any{"SupportLobs": true, "TaskRecoveryTableEnabled": true, "InlineLobMaxSize": 0,
		// The user guide lists ParallelLoadThreads among the full-load settings; in the settings
		// JSON it is a key of TargetMetadata. 0 is DMS's default.
		"ParallelLoadThreads": d.ParallelLoadThreads}
	switch d.LOB.Mode {
	case LOBFull:
		meta["FullLobMode"], meta["LimitedSizeLobMode"], meta["LobChunkSize"] = true, false, lobChunkKB
	case LOBInline:
		// "AWS DMS transfers all LOBs larger than InlineLobMaxSize in FullLobMode."
		meta["FullLobMode"], meta["LimitedSizeLobMode"], meta["LobChunkSize"], meta["InlineLobMaxSize"] = true, false, lobChunkKB, d.LOB.MaxSizeKB
	default:
		meta["FullLobMode"], meta["LimitedSizeLobMode"], meta["LobMaxSize"] = false, true, d.LOB.MaxSizeKB
	}
	validation := map[string]any{"EnableValidation": d.Validation}
	if d.Validation && d.LOB.Mode == LOBLimited {
		// "To validate limited LOB size, you must set ValidationPartialLobSize to the same value
		// as LobMaxSize (K)."
		validation["ValidationPartialLobSize"] = d.LOB.MaxSizeKB
	}
	settings := map[string]any{
		"TargetMetadata":     meta,
		"FullLoadSettings":   map[string]any{"TargetTablePrepMode": d.TargetTablePrepMode},
		"ValidationSettings": validation,
	}
	b, _ := json.Marshal(settings)
	return string(b)
}

// settingsDiff lists the settings of want (our taskSettings) that have another value in have
// (a task's full settings, as DMS returns them with every default filled in).
func settingsDiff(have, want string) []string {
	var h, w map[string]any
	if json.Unmarshal([]byte(want), &w) != nil {
		return nil
	}
	if json.Unmarshal([]byte(have), &h) != nil {
		return []string{"ReplicationTaskSettings (not JSON)"}
	}
	var diffs []string
	for _, sec := range sortedKeys(w) {
		ws, _ := w[sec].(map[string]any)
		hs, _ := h[sec].(map[string]any)
		for _, k := range sortedKeys(ws) {
			if fmt.Sprint(hs[k]) != fmt.Sprint(ws[k]) {
				diffs = append(diffs, fmt.Sprintf("%s.%s %v (spec: %v)", sec, k, textOr(hs[k], "unset"), ws[k]))
			}
		}
	}
	return diffs
}

func textOr(v any, none string) any {
	if v == nil {
		return none
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// lobText says the LOB settings for plan and notes.
func lobText(d *DMSSpec) string {
	switch d.LOB.Mode {
	case LOBFull:
		return "full LOB mode"
	case LOBInline:
		return fmt.Sprintf("inline LOB mode (up to %d KB inline, longer LOBs in full mode)", d.LOB.MaxSizeKB)
	}
	return fmt.Sprintf("limited LOB mode (LOBs over %d KB are truncated)", d.LOB.MaxSizeKB)
}

// endpointDSN is what a DMS endpoint needs from a DSN. Password is a secret: never print it.
type endpointDSN struct {
	engine   string // mysql or postgres (DMS's EngineName; aurora and aurora-postgresql follow the RDS engine)
	host     string // "" when it is {endpoint}: the restored target's address
	port     int32
	user     string
	password string
	database string
}

// parseEndpointDSN reads a URL DSN (mysql://user:pass@host:port/db, postgres://...). The
// endpoint creation takes only this form; {endpoint} and {port} stand for the restored target.
func parseEndpointDSN(dsn string) (*endpointDSN, error) {
	if dsn == "" {
		return nil, fmt.Errorf("required")
	}
	i := strings.Index(dsn, "://")
	if i < 0 {
		return nil, fmt.Errorf("not a URL DSN (want mysql://user:password@host:port/db or postgres://...)")
	}
	e := &endpointDSN{}
	switch strings.ToLower(dsn[:i]) {
	case "mysql", "mariadb", "aurora", "aurora-mysql":
		e.engine, e.port = "mysql", 3306
	case "postgres", "postgresql", "pg":
		e.engine, e.port = "postgres", 5432
	default:
		return nil, fmt.Errorf("unknown scheme %q (want mysql:// or postgres://)", dsn[:i])
	}
	// {endpoint} and {port} are not valid URL text; put stand-ins in while parsing.
	u, err := url.Parse(strings.NewReplacer("{endpoint}", "dbv-endpoint-placeholder", "{port}", "1").Replace(dsn))
	if err != nil {
		// url's error quotes the whole URL, password included: say less.
		return nil, fmt.Errorf("not a valid URL")
	}
	if u.User == nil || u.User.Username() == "" {
		return nil, fmt.Errorf("no user name")
	}
	e.user = u.User.Username()
	e.password, _ = u.User.Password()
	if e.password == "" {
		return nil, fmt.Errorf("no password (DMS logs in with one; write ${VAR} to read it from the environment)")
	}
	if h := u.Hostname(); h != "dbv-endpoint-placeholder" {
		e.host = h
	}
	if p := u.Port(); p != "" && p != "1" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("port %q is not a number", p)
		}
		e.port = int32(n)
	}
	e.database = strings.TrimPrefix(u.Path, "/")
	if e.engine == "postgres" && e.database == "" {
		return nil, fmt.Errorf("no database name (a PostgreSQL endpoint needs one)")
	}
	if e.host == "" && !strings.Contains(dsn, "{endpoint}") {
		return nil, fmt.Errorf("no host")
	}
	return e, nil
}
