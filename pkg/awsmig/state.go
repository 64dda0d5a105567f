package awsmig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// StateVersion is the version of the state file format this package writes.
const StateVersion = 1

// State is what a migration has done so far. The runbook saves it after every change, so a run
// that crashed resumes where it stopped.
type State struct {
	Version   int                   `json:"version"`
	Migration string                `json:"migration"` // the spec's name
	Updated   time.Time             `json:"updated"`
	Steps     map[string]*StepState `json:"steps"`
	Resources Resources             `json:"resources"`
	DNS       *DNSState             `json:"dns,omitempty"`
	After     *AfterState           `json:"after,omitempty"` // migrate finish and cleanup
}

// StepStatus is where a step stands.
type StepStatus string

// Step statuses. A step without a record is pending.
const (
	StepRunning StepStatus = "running" // started and not finished: it crashed, or is running now
	StepDone    StepStatus = "done"
	StepFailed  StepStatus = "failed"
)

// StepState records one step.
type StepState struct {
	Status   StepStatus `json:"status"`
	Started  time.Time  `json:"started"`
	Finished time.Time  `json:"finished,omitzero"`
	Runs     int        `json:"runs"`            // how many times the step has started
	Note     string     `json:"note,omitempty"`  // the outcome in one line
	Error    string     `json:"error,omitempty"` // the last failure
}

// Resources are the AWS resources the migration found or created.
type Resources struct {
	KMSKeyARN             string `json:"kms_key_arn,omitempty"`
	SourceEngine          string `json:"source_engine,omitempty"`
	SourceClass           string `json:"source_class,omitempty"` // instance class, the target's default
	SourceSnapshotARN     string `json:"source_snapshot_arn,omitempty"`
	EncryptedSnapshotARN  string `json:"encrypted_snapshot_arn,omitempty"` // an instance snapshot's encrypted copy
	SnapshotCopyARN       string `json:"snapshot_copy_arn,omitempty"`      // an Aurora cluster snapshot's copy in the target's region
	TargetAddress         string `json:"target_address,omitempty"`         // the restored database's endpoint
	TargetPort            int32  `json:"target_port,omitempty"`
	TaskARN               string `json:"task_arn,omitempty"`
	ReplicationInstanceID string `json:"replication_instance_id,omitempty"`
	// The DMS resources the dms-resources step created (dms.create), and where a CDC-only task
	// started (dms.cdc_only).
	ReplicationInstanceARN string `json:"replication_instance_arn,omitempty"`
	SourceEndpointARN      string `json:"source_endpoint_arn,omitempty"`
	TargetEndpointARN      string `json:"target_endpoint_arn,omitempty"`
	CDCStartPosition       string `json:"cdc_start_position,omitempty"`
}

// DNSState records the cutover, so a failback can point the record back.
type DNSState struct {
	Record        string    `json:"record"`
	OriginalValue string    `json:"original_value"` // before the cutover: the failback's target
	OriginalTTL   int64     `json:"original_ttl"`
	TTLLowered    bool      `json:"ttl_lowered,omitempty"`
	TTLLoweredAt  time.Time `json:"ttl_lowered_at,omitzero"`
	TargetValue   string    `json:"target_value,omitempty"`
	CutoverAt     time.Time `json:"cutover_at,omitzero"`
	FailbackAt    time.Time `json:"failback_at,omitzero"`
	// LastChangeID is a change submitted and not yet seen INSYNC, LastChangeValue the value it
	// sets; InsyncValue is the value of the last change seen INSYNC. A run that stops between a
	// change and its INSYNC resumes by waiting for it, or, when it never learnt the change's id,
	// by submitting the same value again and waiting for that.
	LastChangeID    string `json:"last_change_id,omitempty"`
	LastChangeValue string `json:"last_change_value,omitempty"`
	InsyncValue     string `json:"insync_value,omitempty"`
}

// StateFile is an open, locked state file. Every Update is written atomically (a temporary file
// renamed over the old one), so a crash leaves either the old state or the new one.
type StateFile struct {
	path string
	lock *os.File

	mu sync.Mutex
	st State
}

// OpenState opens (or creates) the state file of a migration and locks it, so that two runs
// cannot proceed at once. The lock is held until Close.
func OpenState(path, migration string) (*StateFile, error) {
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return nil, err
	}
	f := &StateFile{path: path, lock: lock}
	st, err := ReadState(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		st = &State{Version: StateVersion, Migration: migration}
	case err != nil:
		f.Close()
		return nil, err
	case st.Migration != migration:
		f.Close()
		return nil, fmt.Errorf("state %s: belongs to migration %q, not %q: use another --state file", path, st.Migration, migration)
	}
	if st.Steps == nil {
		st.Steps = map[string]*StepState{}
	}
	f.st = *st
	return f, nil
}

// ReadState reads a state file without locking it (for plan and status; writers replace the
// file atomically, so a reader never sees half of one). A missing file wraps fs.ErrNotExist.
func ReadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", path, err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state %s: not a dbverify state file: %v", path, err)
	}
	if st.Version != StateVersion {
		return nil, fmt.Errorf("state %s: format version %d, this dbverify reads version %d", path, st.Version, StateVersion)
	}
	if st.Steps == nil {
		st.Steps = map[string]*StepState{}
	}
	return &st, nil
}

// Path is the state file's path.
func (f *StateFile) Path() string { return f.path }

// State returns a copy of the current state.
func (f *StateFile) State() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.clone()
}

// Update changes the state and saves it.
func (f *StateFile) Update(change func(*State)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	next := f.st.clone()
	change(&next)
	next.Updated = time.Now().UTC()
	if err := writeAtomic(f.path, next); err != nil {
		return err
	}
	f.st = next
	return nil
}

// Close releases the lock.
func (f *StateFile) Close() error {
	if f == nil || f.lock == nil {
		return nil
	}
	err := unlockFile(f.lock)
	f.lock = nil
	return err
}

// clone deep-copies the state.
func (s State) clone() State {
	c := s
	c.Steps = make(map[string]*StepState, len(s.Steps))
	for k, v := range s.Steps {
		vc := *v
		c.Steps[k] = &vc
	}
	if s.DNS != nil {
		d := *s.DNS
		c.DNS = &d
	}
	c.After = s.After.clone()
	return c
}

// step returns the record of a step, creating it.
func (s *State) step(name string) *StepState {
	st := s.Steps[name]
	if st == nil {
		st = &StepState{}
		s.Steps[name] = st
	}
	return st
}

// done reports whether a step has finished.
func (s *State) done(name string) bool {
	st := s.Steps[name]
	return st != nil && st.Status == StepDone
}

// writeAtomic writes the state to a temporary file in the same directory, syncs it and renames
// it over path.
func writeAtomic(path string, st State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("state %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("state %s: write: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil { // make the rename itself durable
		d.Sync()
		d.Close()
	}
	return nil
}

// lockHolder reads the pid a lock file names, for messages.
func lockHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil {
		return fmt.Sprintf(" (pid %d)", pid)
	}
	return ""
}
