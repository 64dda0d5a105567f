package verify

import (
	"context"
	"time"
)

// Compare compares the selected tables of src and tgt and reports every difference.
// It returns an error only when it could not compare; differences are in the Report.
func Compare(ctx context.Context, src, tgt *Endpoint, opt Options) (*Report, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := checkWhere(src, tgt, opt); err != nil {
		return nil, err
	}
	opt.throttler = newThrottler(src, opt)
	rep := &Report{
		Format:  ReportFormat,
		Source:  src.info(),
		Target:  tgt.info(),
		Started: time.Now(),
		Options: reportOptions(opt),
	}
	pairs, err := resolveTables(ctx, src, opt)
	if err != nil {
		return nil, err
	}
	if err := checkColumnRefs(src, tgt, pairs, opt); err != nil {
		return nil, err
	}
	if err := checkTableWhere(src, tgt, pairs, opt); err != nil {
		return nil, err
	}
	for _, p := range pairs {
		if stopped(opt.Stop) {
			rep.Close()
			return nil, ErrStopped
		}
		tr, err := compareTable(ctx, src, tgt, p, opt)
		if err != nil {
			rep.Close()
			return nil, err
		}
		rep.Tables = append(rep.Tables, tr)
	}
	rep.Duration = time.Since(rep.Started)
	return rep, nil
}

// stopped reports whether stop has been closed.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}
