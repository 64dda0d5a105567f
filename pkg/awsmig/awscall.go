package awsmig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	dmstypes "github.com/aws/aws-sdk-go-v2/service/databasemigrationservice/types"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
)

// callError is a failed AWS call, said in one short line: the operation, the service's error
// code and its message (the SDK's own text repeats the service name, the request id and the
// HTTP status). The SDK error stays wrapped.
type callError struct {
	op  string
	err error
}

func (e *callError) Error() string {
	var ae smithy.APIError
	if errors.As(e.err, &ae) {
		return fmt.Sprintf("%s: %s: %s", e.op, ae.ErrorCode(), oneLine(ae.ErrorMessage()))
	}
	return e.op + ": " + oneLine(e.err.Error())
}

func (e *callError) Unwrap() error { return e.err }

// called wraps an SDK error with the operation's name; context errors pass through as they are.
func called(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return &callError{op, err}
}

// terminalStatus is a resource that reached a status it will not leave by itself.
type terminalStatus struct {
	status, detail string
}

func (e *terminalStatus) Error() string {
	if e.detail != "" {
		return "ended in status " + e.status + ": " + e.detail
	}
	return "ended in status " + e.status
}

// tracker remembers what a waiter saw last, to say it when the wait ends badly, and reports
// progress.
type tracker struct {
	r      *Runner
	step   string
	status string // the last status seen
	detail string
}

// saw records and reports the status of a resource seen while waiting.
func (t *tracker) saw(resource, status, progress string) {
	t.status = status
	msg := resource + ": " + status
	if progress != "" {
		msg += " " + progress
	}
	t.r.progress(t.step, msg)
}

// failed turns a waiter's error into a step error: a terminal status, a timeout naming the
// setting that bounds it, or the API error.
func (t *tracker) failed(ctx context.Context, resource string, timeout time.Duration, setting string, err error) error {
	var ts *terminalStatus
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &ts):
		return &StepError{t.step, resource, ts}
	case strings.Contains(err.Error(), "transitioned to Failure"):
		return &StepError{t.step, resource, &terminalStatus{t.status, t.detail}}
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "exceeded max wait time"):
		state := t.status
		if state == "" {
			state = "not ready"
		}
		return &StepError{t.step, resource, fmt.Errorf("still %s after %s (%s)", state, timeout, setting)}
	}
	return &StepError{t.step, resource, called("wait", err)}
}

// Not-found errors, by the SDK's typed faults (the fakes return the same types).
func notFound(err error) bool {
	var (
		snap     *rdstypes.DBSnapshotNotFoundFault
		inst     *rdstypes.DBInstanceNotFoundFault
		cluster  *rdstypes.DBClusterNotFoundFault
		csnap    *rdstypes.DBClusterSnapshotNotFoundFault
		resource *dmstypes.ResourceNotFoundFault
	)
	return errors.As(err, &snap) || errors.As(err, &inst) || errors.As(err, &cluster) ||
		errors.As(err, &csnap) || errors.As(err, &resource)
}

// rdsTags converts tags for RDS.
func rdsTags(ts []tag) []rdstypes.Tag {
	out := make([]rdstypes.Tag, len(ts))
	for i, t := range ts {
		out[i] = rdstypes.Tag{Key: aws.String(t.key), Value: aws.String(t.value)}
	}
	return out
}

// dmsTags converts tags for DMS.
func dmsTags(ts []tag) []dmstypes.Tag {
	out := make([]dmstypes.Tag, len(ts))
	for i, t := range ts {
		out[i] = dmstypes.Tag{Key: aws.String(t.key), Value: aws.String(t.value)}
	}
	return out
}

// ownedBy reports whether RDS tags mark a resource as created by this migration.
func ownedBy(tags []rdstypes.Tag, migration string) bool {
	for _, t := range tags {
		if aws.ToString(t.Key) == TagMigration && aws.ToString(t.Value) == migration {
			return true
		}
	}
	return false
}

// notOurs is the error for a resource that has our deterministic name but not our tag.
func notOurs(kind string) error {
	return fmt.Errorf("a %s of this name exists but was not created by this migration (no %s tag); rename the migration, or delete it", kind, TagMigration)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
