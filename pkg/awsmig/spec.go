package awsmig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ErrInvalid marks errors caused by a bad spec or bad options: nothing was done.
var ErrInvalid = errors.New("invalid migration spec")

// Spec describes one migration: the source, the encrypted target, the DMS task that keeps it in
// sync, the DNS record to cut over, and how long to wait for each thing. It is read from YAML
// (see LoadSpec); zero values mean the defaults.
type Spec struct {
	// Name identifies the migration: lower-case letters, digits and single hyphens. Every
	// resource the runbook creates is named after it (see Names), so a re-run finds them again.
	Name   string            `yaml:"name"`
	Region string            `yaml:"region"` // the source's region
	Source SourceSpec        `yaml:"source"`
	Target TargetSpec        `yaml:"target"`
	DMS    *DMSSpec          `yaml:"dms"` // nil: no replication (an offline copy: stop writes first)
	DNS    *DNSSpec          `yaml:"dns"` // nil: no cutover step
	Wait   WaitSpec          `yaml:"wait"`
	Tags   map[string]string `yaml:"tags"` // added to every resource created, beside dbverify's own

	path string // the file it came from, for messages and relative paths
}

// SourceSpec names the database to migrate.
type SourceSpec struct {
	Instance string `yaml:"instance"` // RDS DB instance identifier
	Cluster  string `yaml:"cluster"`  // or an Aurora DB cluster identifier
	Snapshot string `yaml:"snapshot"` // reuse this manual snapshot (it must be available) instead of taking one
	DSN      string `yaml:"dsn"`      // for the dbverify gate; ${VAR} is read from the environment
}

// TargetSpec describes the encrypted database to build.
type TargetSpec struct {
	Region string `yaml:"region"` // where the encrypted copy and the target live; default: the source's region
	// KMSKey encrypts the copy: a key id, key ARN, alias/NAME or alias ARN of Region.
	KMSKey         string   `yaml:"kms_key"`
	Instance       string   `yaml:"instance"` // the DB instance to restore (Aurora: created in Cluster)
	Cluster        string   `yaml:"cluster"`  // restore an Aurora cluster of this name, then Instance in it
	Engine         string   `yaml:"engine"`   // cluster engine (aurora-mysql, aurora-postgresql); default: the snapshot's
	InstanceClass  string   `yaml:"instance_class"`
	SubnetGroup    string   `yaml:"subnet_group"`
	SecurityGroups []string `yaml:"security_groups"` // VPC security group ids
	ParameterGroup string   `yaml:"parameter_group"`
	// DSN is the target for the dbverify gate; {endpoint} and {port} are replaced by the restored
	// database's address and port, ${VAR} is read from the environment.
	DSN string `yaml:"dsn"`
}

// DMSSpec describes the replication task that loads the target and keeps it in sync.
type DMSSpec struct {
	ReplicationInstanceARN string `yaml:"replication_instance_arn"`
	SourceEndpointARN      string `yaml:"source_endpoint_arn"`
	TargetEndpointARN      string `yaml:"target_endpoint_arn"`
	// TableMappings is the task's table-mappings JSON, inline; TableMappingsFile reads it from a
	// file (relative to the spec). Neither: every table of every schema.
	TableMappings     string `yaml:"table_mappings"`
	TableMappingsFile string `yaml:"table_mappings_file"`
	// TargetTablePrepMode: DO_NOTHING, TRUNCATE_BEFORE_LOAD (default) or DROP_AND_CREATE.
	TargetTablePrepMode string `yaml:"target_table_prep_mode"`
	// OnRerun says what a re-run does with a task that stopped or failed: resume (default:
	// resume-processing from its checkpoint) or reload (reload-target: load every table again).
	OnRerun string `yaml:"on_rerun"`
	// LOB is how the task moves large objects (TEXT, BLOB, JSON, bytea, ...).
	LOB LOBSpec `yaml:"lob"`
	// Validation turns on DMS's own data validation (ValidationSettings.EnableValidation); its
	// per-table state is shown beside dbverify's verdict.
	Validation bool `yaml:"validation"`
	// ParallelLoadThreads is the number of threads each table's full load uses to write to
	// the target (TargetMetadata.ParallelLoadThreads); 0 leaves DMS's default.
	ParallelLoadThreads int `yaml:"parallel_load_threads"`
	// CDCOnly starts the task with change data capture only (migration type cdc, no full
	// load), from the binlog position of the snapshot the target was restored from, which RDS
	// writes in the restored instance's "Binlog position from crash recovery is FILE POS"
	// event. The target then holds the snapshot's data, and DMS applies what changed since.
	// MySQL-family sources only.
	CDCOnly bool `yaml:"cdc_only"`
	// Create, when set, makes the runbook create the replication instance and the source and
	// target endpoints (from the DSNs) itself, in the dms-resources step; the three ARNs above
	// must then be left out.
	Create *DMSCreateSpec `yaml:"create"`
}

// LOBSpec is the task's LOB mode, as DMS's TargetMetadata settings have it.
type LOBSpec struct {
	// Mode: limited (default: LimitedSizeLobMode, values over MaxSizeKB are truncated), full
	// (FullLobMode: every value whole, slower) or inline (full mode, values up to MaxSizeKB
	// sent inline: InlineLobMaxSize).
	Mode      string `yaml:"mode"`
	MaxSizeKB int    `yaml:"max_size_kb"` // LobMaxSize (limited) or InlineLobMaxSize (inline); default 32, DMS's own
}

// DMSCreateSpec is the replication instance the dms-resources step creates, and the settings
// of the endpoints it creates from source.dsn and target.dsn.
type DMSCreateSpec struct {
	InstanceClass    string   `yaml:"instance_class"`    // e.g. dms.r5.large (required)
	AllocatedStorage int32    `yaml:"allocated_storage"` // GiB; 0: DMS's default
	MultiAZ          bool     `yaml:"multi_az"`
	KMSKeyID         string   `yaml:"kms_key_id"`   // encrypts the instance's storage; "": DMS's default key
	SubnetGroup      string   `yaml:"subnet_group"` // replication subnet group identifier
	SecurityGroups   []string `yaml:"security_groups"`
	EngineVersion    string   `yaml:"engine_version"` // "": DMS's default
	// SSLMode of both endpoints: none, require (default), verify-ca or verify-full.
	SSLMode string `yaml:"ssl_mode"`
	// CertificateARN is the DMS certificate verify-ca and verify-full check the server with.
	CertificateARN string `yaml:"certificate_arn"`
}

// DNSSpec names the Route 53 record that applications connect through.
type DNSSpec struct {
	HostedZoneID string `yaml:"hosted_zone_id"`
	Record       string `yaml:"record"` // e.g. db.example.com
	Type         string `yaml:"type"`   // CNAME (default)
	TTL          int64  `yaml:"ttl"`    // the low TTL set before and kept after the cutover; default 60
	// Drain is how long to wait after lowering the TTL, so resolvers forget the old one; default:
	// the old TTL.
	Drain time.Duration `yaml:"drain"`
}

// WaitSpec bounds every wait.
type WaitSpec struct {
	Poll            time.Duration `yaml:"poll"`             // between polls of AWS; default 30s
	ResourceTimeout time.Duration `yaml:"resource_timeout"` // snapshot, copy, restore, each; default 4h
	SyncTimeout     time.Duration `yaml:"sync_timeout"`     // DMS full load and CDC lag; default 6h
	LagThreshold    time.Duration `yaml:"lag_threshold"`    // CDC lag counted as caught up; default 5s
	GateTimeout     time.Duration `yaml:"gate_timeout"`     // dbverify passes until one is clean; default 30m
	GateInterval    time.Duration `yaml:"gate_interval"`    // between rereads of the differing rows; default 30s
	GateSettle      time.Duration `yaml:"gate_settle"`      // a differing row's source unchanged this long (at least the CDC lag) is drift; default 2m
	DNSTimeout      time.Duration `yaml:"dns_timeout"`      // a Route 53 change to be INSYNC; default 15m
}

// Defaults.
const (
	defaultPoll            = 30 * time.Second
	defaultResourceTimeout = 4 * time.Hour
	defaultSyncTimeout     = 6 * time.Hour
	defaultLagThreshold    = 5 * time.Second
	defaultGateTimeout     = 30 * time.Minute
	defaultGateInterval    = 30 * time.Second
	defaultGateSettle      = 2 * time.Minute
	defaultDNSTimeout      = 15 * time.Minute
	defaultTTL             = 60
	defaultLOBMaxKB        = 32     // DMS's default LobMaxSize
	maxLOBMaxKB            = 102400 // DMS's largest
)

// LoadSpec reads, expands and validates a spec file.
func LoadSpec(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec %s: %w", path, invalid(err))
	}
	return ParseSpec(data, path)
}

// ParseSpec parses and validates a spec; path names it in messages and anchors relative paths
// (table_mappings_file). ${VAR} in the DSNs is read from the environment.
func ParseSpec(data []byte, path string) (*Spec, error) {
	bad := func(err error) error { return fmt.Errorf("spec %s: %w", path, invalid(err)) }
	var s Spec
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true) // a misspelt key is an error, not a silently ignored setting
	if err := dec.Decode(&s); err != nil {
		return nil, bad(yamlError(err, data))
	}
	s.path = path
	if err := s.expand(); err != nil {
		return nil, bad(err)
	}
	if err := s.validate(); err != nil {
		return nil, bad(err)
	}
	return &s, nil
}

// Path is the file the spec was read from.
func (s *Spec) Path() string { return s.path }

// expand reads ${VAR} in the DSNs from the environment, and the table mappings file.
func (s *Spec) expand() error {
	for _, f := range []struct {
		name string
		v    *string
	}{{"source.dsn", &s.Source.DSN}, {"target.dsn", &s.Target.DSN}} {
		var missing []string
		*f.v = os.Expand(*f.v, func(k string) string {
			v, ok := os.LookupEnv(k)
			if !ok {
				missing = append(missing, k)
			}
			return v
		})
		if len(missing) > 0 {
			return fmt.Errorf("%s: environment variable %s is not set", f.name, strings.Join(missing, ", "))
		}
	}
	if s.DMS != nil && s.DMS.TableMappingsFile != "" {
		if s.DMS.TableMappings != "" {
			return errors.New("dms: table_mappings and table_mappings_file exclude each other")
		}
		p := s.DMS.TableMappingsFile
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(s.path), p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("dms.table_mappings_file: %w", err)
		}
		s.DMS.TableMappings = string(b)
	}
	return nil
}

var (
	nameRE     = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	regionRE   = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	rdsIDRE    = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z0-9]+)*$`)
	dmsARNRE   = regexp.MustCompile(`^arn:aws[a-z-]*:dms:[a-z0-9-]+:[0-9]{12}:[a-z-]+:[A-Za-z0-9-]+$`)
	zoneIDRE   = regexp.MustCompile(`^(/hostedzone/)?[A-Z0-9]+$`)
	prepModes  = []string{"DO_NOTHING", "TRUNCATE_BEFORE_LOAD", "DROP_AND_CREATE"}
	recordKind = []string{"CNAME", "A", "AAAA"}
)

// validate checks the spec and fills in defaults. Errors name the field.
func (s *Spec) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch {
	case s.Name == "":
		add("name: required (lower-case letters, digits and hyphens, e.g. orders-encrypt)")
	case len(s.Name) > 40 || !nameRE.MatchString(s.Name):
		add("name: %q must be 1-40 lower-case letters, digits and single hyphens, starting with a letter", s.Name)
	}
	switch {
	case s.Region == "":
		add("region: required (the source's AWS region, e.g. eu-west-1)")
	case !regionRE.MatchString(s.Region):
		add("region: %q is not an AWS region name", s.Region)
	default:
		if err := checkRegion(s.Region); err != nil {
			add("region: %v", err)
		}
	}
	if s.Target.Region == "" {
		s.Target.Region = s.Region
	} else if !regionRE.MatchString(s.Target.Region) {
		add("target.region: %q is not an AWS region name", s.Target.Region)
	} else if err := checkRegion(s.Target.Region); err != nil {
		add("target.region: %v", err)
	}

	src := &s.Source
	switch {
	case src.Instance == "" && src.Cluster == "":
		add("source: instance or cluster is required")
	case src.Instance != "" && src.Cluster != "":
		add("source: instance and cluster exclude each other")
	}
	for _, f := range []struct{ name, v string }{
		{"source.instance", src.Instance}, {"source.cluster", src.Cluster},
		{"target.instance", s.Target.Instance}, {"target.cluster", s.Target.Cluster},
	} {
		if f.v != "" && (len(f.v) > 63 || !rdsIDRE.MatchString(f.v)) {
			add("%s: %q is not an RDS identifier (letters, digits and single hyphens, starting with a letter, at most 63)", f.name, f.v)
		}
	}
	if src.Snapshot != "" && !strings.HasPrefix(src.Snapshot, "arn:") && !rdsIDRE.MatchString(strings.TrimPrefix(src.Snapshot, automatedPrefix)) {
		add("source.snapshot: %q is not a snapshot identifier (manual, or automated: rds:ID) or ARN", src.Snapshot)
	} else if r, ok := arnRegion(src.Snapshot); ok && strings.HasPrefix(src.Snapshot, "arn:") && r != s.Region && s.Region != "" {
		// The snapshot step describes it with the source's region's client.
		add("source.snapshot: the ARN is in %s, but the source is in %s (region): name a snapshot of %s", r, s.Region, s.Region)
	}

	tgt := &s.Target
	if tgt.Instance == "" {
		add("target.instance: required (the DB instance to restore)")
	}
	if src.Cluster != "" && tgt.Cluster == "" {
		add("target.cluster: required when the source is a cluster")
	}
	if src.Cluster != "" && tgt.Cluster != "" && tgt.InstanceClass == "" {
		add("target.instance_class: required when the source is a cluster (e.g. db.r6g.large)")
	}
	if src.Instance != "" && tgt.Cluster != "" && tgt.Engine == "" {
		add("target.engine: required to restore an instance snapshot as a cluster (e.g. aurora-mysql)")
	}
	if tgt.Instance != "" && (tgt.Instance == src.Instance) && tgt.Region == s.Region {
		add("target.instance: %q is the source instance; the target needs a new name", tgt.Instance)
	}
	if tgt.Cluster != "" && tgt.Cluster == src.Cluster && tgt.Region == s.Region {
		add("target.cluster: %q is the source cluster; the target needs a new name", tgt.Cluster)
	}
	switch {
	case tgt.KMSKey == "":
		add("target.kms_key: required (a key id, key ARN, alias/NAME or alias ARN in %s)", tgt.Region)
	case strings.HasPrefix(tgt.KMSKey, "arn:"):
		region, ok := arnRegion(tgt.KMSKey)
		switch {
		case !ok || !strings.Contains(tgt.KMSKey, ":kms:"):
			add("target.kms_key: %q is not a KMS key or alias ARN", tgt.KMSKey)
		case region != tgt.Region:
			add("target.kms_key: the key is in %s but %s in %s (a KMS key works only in its own region): use a key of %s", region, s.encryptedBy(), tgt.Region, tgt.Region)
		}
	}
	if strings.Contains(tgt.DSN, "{endpoint}") && tgt.Instance == "" {
		add("target.dsn: {endpoint} needs target.instance")
	}

	if d := s.DMS; d != nil {
		for _, f := range []struct{ name, v string }{
			{"dms.replication_instance_arn", d.ReplicationInstanceARN},
			{"dms.source_endpoint_arn", d.SourceEndpointARN},
			{"dms.target_endpoint_arn", d.TargetEndpointARN},
		} {
			switch {
			case f.v == "" && d.Create == nil:
				add("%s: required (or dms.create, to create it)", f.name)
			case f.v != "" && d.Create != nil:
				add("%s: dms.create creates it; leave the ARN out", f.name)
			case f.v == "": // dms.create makes it
			case !dmsARNRE.MatchString(f.v):
				add("%s: %q is not a DMS ARN", f.name, f.v)
			default:
				// The task is made where the replication instance runs, in the target's
				// region, and DMS resources are regional.
				if r, _ := arnRegion(f.v); r != tgt.Region {
					add("%s: the ARN is in %s, but the DMS task runs in the target's region %s: use a replication instance and endpoints of %s", f.name, r, tgt.Region, tgt.Region)
				}
			}
		}
		errs = append(errs, s.validateDMSSettings()...)
		if d.TableMappings == "" {
			d.TableMappings = allTables
		} else if err := checkMappings(d.TableMappings); err != nil {
			add("dms.table_mappings: %v", err)
		}
		switch d.TargetTablePrepMode = strings.ToUpper(d.TargetTablePrepMode); {
		case d.TargetTablePrepMode == "":
			d.TargetTablePrepMode = "TRUNCATE_BEFORE_LOAD"
		case !slices.Contains(prepModes, d.TargetTablePrepMode):
			add("dms.target_table_prep_mode: %q is not one of %s", d.TargetTablePrepMode, strings.Join(prepModes, ", "))
		}
		switch d.OnRerun {
		case "":
			d.OnRerun = "resume"
		case "resume", "reload":
		default:
			add("dms.on_rerun: %q is not resume or reload", d.OnRerun)
		}
		switch d.LOB.Mode = strings.ToLower(d.LOB.Mode); d.LOB.Mode {
		case "":
			d.LOB.Mode = "limited"
		case "limited", "full", "inline":
		default:
			add("dms.lob.mode: %q is not limited, full or inline", d.LOB.Mode)
		}
		switch {
		case d.LOB.MaxSizeKB == 0:
			d.LOB.MaxSizeKB = defaultLOBMaxKB
		case d.LOB.MaxSizeKB < 0 || d.LOB.MaxSizeKB > maxLOBMaxKB:
			// The DMS guide (LOB support): "The maximum value for this parameter is 102400 KB
			// (100 MB)."
			add("dms.lob.max_size_kb: %d is outside 1..%d", d.LOB.MaxSizeKB, maxLOBMaxKB)
		}
	}

	if d := s.DNS; d != nil {
		switch {
		case d.HostedZoneID == "":
			add("dns.hosted_zone_id: required")
		case !zoneIDRE.MatchString(d.HostedZoneID):
			add("dns.hosted_zone_id: %q is not a Route 53 hosted zone id", d.HostedZoneID)
		}
		d.HostedZoneID = strings.TrimPrefix(d.HostedZoneID, "/hostedzone/")
		if d.Record == "" {
			add("dns.record: required (the name applications connect to, e.g. db.example.com)")
		}
		d.Record = strings.TrimSuffix(d.Record, ".")
		if d.Type == "" {
			d.Type = "CNAME"
		}
		if d.Type = strings.ToUpper(d.Type); !slices.Contains(recordKind, d.Type) {
			add("dns.type: %q is not one of %s", d.Type, strings.Join(recordKind, ", "))
		}
		if d.Type != "CNAME" {
			// Why: the target's address is a DNS name; A/AAAA records would need its IPs, which
			// RDS may change at any time.
			add("dns.type: %s records cannot point at an RDS endpoint: use CNAME", d.Type)
		}
		switch {
		case d.TTL == 0:
			d.TTL = defaultTTL
		case d.TTL < 0 || d.TTL > 172800:
			add("dns.ttl: %d is outside 1..172800 seconds", d.TTL)
		}
		if d.Drain < 0 {
			add("dns.drain: must not be negative")
		}
	}

	w := &s.Wait
	for _, f := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"wait.poll", &w.Poll, defaultPoll},
		{"wait.resource_timeout", &w.ResourceTimeout, defaultResourceTimeout},
		{"wait.sync_timeout", &w.SyncTimeout, defaultSyncTimeout},
		{"wait.lag_threshold", &w.LagThreshold, defaultLagThreshold},
		{"wait.gate_timeout", &w.GateTimeout, defaultGateTimeout},
		{"wait.gate_interval", &w.GateInterval, defaultGateInterval},
		{"wait.gate_settle", &w.GateSettle, defaultGateSettle},
		{"wait.dns_timeout", &w.DNSTimeout, defaultDNSTimeout},
	} {
		switch {
		case *f.v < 0:
			add("%s: must not be negative", f.name)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	for k := range s.Tags {
		if k == "" || strings.HasPrefix(k, "aws:") || strings.HasPrefix(k, tagPrefix) {
			add("tags: %q: keys must be non-empty and not start with aws: or %s", k, tagPrefix)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "; "))
}

// yamlError rewords the YAML decoder's errors: one line, the spec's section names, and a value
// of the wrong type named by its field's path (spec_errors.go).
func yamlError(err error, data []byte) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return errors.New(strings.TrimPrefix(oneLine(err.Error()), "yaml: "))
	}
	sections := strings.NewReplacer("awsmig.SourceSpec", "source", "awsmig.TargetSpec", "target", "awsmig.DMSSpec", "dms",
		"awsmig.DNSSpec", "dns", "awsmig.LOBSpec", "dms.lob", "awsmig.DMSCreateSpec", "dms.create", "awsmig.WaitSpec", "wait", "awsmig.Spec", "the top level", "field ", "unknown key ",
		"not found in type", "in", "!!", "", "cannot unmarshal", "cannot read")
	msgs := make([]string, len(te.Errors))
	paths := valuePaths(data)
	for i, m := range te.Errors {
		if text, ok := typeErrorText(m, paths); ok {
			msgs[i] = text
			continue
		}
		msgs[i] = sections.Replace(m)
	}
	return errors.New(strings.Join(msgs, "; "))
}

// allTables is the table mapping used when the spec gives none: every table of every schema.
const allTables = `{"rules":[{"rule-type":"selection","rule-id":"1","rule-name":"all-tables","object-locator":{"schema-name":"%","table-name":"%"},"rule-action":"include"}]}`

// checkMappings checks that DMS table mappings are JSON with at least one rule.
func checkMappings(s string) error {
	var m struct {
		Rules []map[string]any `json:"rules"`
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return fmt.Errorf("not valid JSON: %v", err)
	}
	if len(m.Rules) == 0 {
		return errors.New(`no "rules": DMS needs at least one selection rule`)
	}
	for i, r := range m.Rules {
		if r["rule-type"] == nil {
			return fmt.Errorf(`rule %d has no "rule-type"`, i+1)
		}
	}
	return nil
}

// arnRegion returns the region field of an ARN.
func arnRegion(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" || parts[3] == "" {
		return "", false
	}
	return parts[3], true
}

// invalid marks err as caused by bad input.
func invalid(err error) error { return invalidError{err} }

type invalidError struct{ error }

func (e invalidError) Unwrap() []error { return []error{e.error, ErrInvalid} }

// oneLine joins a multi-line message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
}

// crossRegion reports whether the copy is made in another region than the source's.
func (s *Spec) crossRegion() bool { return s.Target.Region != s.Region }

// sourceIsCluster reports whether the source is an Aurora cluster.
func (s *Spec) sourceIsCluster() bool { return s.Source.Cluster != "" }

// targetIsCluster reports whether the target is restored as an Aurora cluster.
func (s *Spec) targetIsCluster() bool { return s.Target.Cluster != "" }

// copiesSnapshot reports whether the runbook has a copy step. An instance snapshot is
// encrypted by copying it with the key. A cluster snapshot cannot be: RDS refuses a KmsKeyId
// for an unencrypted one, so the cluster is encrypted when it is restored, and the snapshot is
// copied only to bring it to the target's region.
func (s *Spec) copiesSnapshot() bool { return !s.sourceIsCluster() || s.crossRegion() }

// encryptedBy says what encrypts the target with the key, for messages.
func (s *Spec) encryptedBy() string {
	if s.sourceIsCluster() && s.Source.Instance == "" {
		return "the cluster is restored and encrypted"
	}
	return "the encrypted copy is made"
}
