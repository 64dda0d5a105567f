package awsmig

import "sort"

// Names are the identifiers of the resources the runbook creates. They derive from the spec
// alone, so a re-run (or a run resumed after a crash) finds what an earlier run created instead
// of creating it again.
type Names struct {
	SourceSnapshot    string // the snapshot of the source: dbv-NAME-source, or the one the spec reuses
	EncryptedSnapshot string // an instance snapshot's encrypted copy: dbv-NAME-encrypted
	// RegionCopy is an Aurora cluster snapshot's copy in the target's region, made only for a
	// cross-region move: dbv-NAME-copy. It is encrypted only if the source snapshot is; the
	// cluster restored from it is encrypted with the spec's key.
	RegionCopy string
	Task       string // the DMS replication task: dbv-NAME
	// With dms.create: the replication instance and the endpoints.
	ReplicationInstance string // dbv-NAME-rep
	SourceEndpoint      string // dbv-NAME-source
	TargetEndpoint      string // dbv-NAME-target
	// FinalSnapshot is the snapshot cleanup takes of the old source instance before it
	// deletes it: dbv-NAME-final.
	FinalSnapshot string
}

// Names returns the identifiers of the resources this migration creates.
func (s *Spec) Names() Names {
	n := Names{
		SourceSnapshot:      "dbv-" + s.Name + "-source",
		EncryptedSnapshot:   "dbv-" + s.Name + "-encrypted",
		RegionCopy:          "dbv-" + s.Name + "-copy",
		Task:                "dbv-" + s.Name,
		ReplicationInstance: "dbv-" + s.Name + "-rep",
		SourceEndpoint:      "dbv-" + s.Name + "-source",
		TargetEndpoint:      "dbv-" + s.Name + "-target",
		FinalSnapshot:       "dbv-" + s.Name + "-final",
	}
	if s.Source.Snapshot != "" {
		n.SourceSnapshot = s.Source.Snapshot
	}
	return n
}

// Tag keys set on every created resource.
const (
	tagPrefix    = "dbverify:"
	TagMigration = tagPrefix + "migration" // the spec's name
	TagStep      = tagPrefix + "step"      // the step that created the resource
)

// tag is one key/value pair, converted to each service's own tag type.
type tag struct{ key, value string }

// tags returns the tags for a resource created by step: dbverify's own, then the spec's, sorted.
func (s *Spec) tags(step string) []tag {
	out := []tag{{TagMigration, s.Name}, {TagStep, step}}
	keys := make([]string, 0, len(s.Tags))
	for k := range s.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, tag{k, s.Tags[k]})
	}
	return out
}
