package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/dbverify/dbverify/pkg/awsmig"
	"github.com/dbverify/dbverify/pkg/mapping"
	"github.com/dbverify/dbverify/pkg/preflight"
	"github.com/dbverify/dbverify/pkg/preflight/dbcheck"
)

// newSourceCheck builds the check of a spec's source database for the preflight: the same
// checks as `dbverify preflight`, on the tables the DMS task's mappings select, with the task's
// LOB mode. Tests replace it.
var newSourceCheck = func(s *awsmig.Spec, progress func(string)) awsmig.SourceCheck {
	return func(ctx context.Context) (preflight.Findings, error) {
		opt := dbcheck.Options{Progress: progress}
		if d := s.DMS; d != nil {
			opt.LOBMode, opt.LOBMaxKB = d.LOB.Mode, d.LOB.MaxSizeKB
			dm, err := mapping.ParseDMS([]byte(d.TableMappings))
			if err != nil {
				return nil, fmt.Errorf("dms.table_mappings: %w", err)
			}
			if opt.Mapping, err = mapping.New(mapping.Options{DMS: dm}); err != nil {
				return nil, fmt.Errorf("dms.table_mappings: %w", err)
			}
		}
		return dbcheck.Source(ctx, s.Source.DSN, opt)
	}
}

// migratePreflight runs the preflight of a spec and prints what it found to w. It returns nil
// when the run may go on (warnings may have been printed), an exit 2 when something must be
// fixed, an exit 3 when a check could not run.
func migratePreflight(ctx context.Context, s *awsmig.Spec, cl awsmig.Clients, st *awsmig.State, until string, w, progress io.Writer) error {
	note := notePrinter(progress)
	found, err := awsmig.Preflight(ctx, s, cl, st, awsmig.PreflightOptions{
		Source: newSourceCheck(s, note), Until: until, Progress: note,
	})
	if err != nil {
		return fail(err)
	}
	if err := found.Write(w); err != nil {
		return &exitError{ExitFailure, err}
	}
	switch {
	case found.Count(preflight.Error) > 0:
		return &exitError{ExitUsage, fmt.Errorf("migration %s: preflight found %d problems (listed above): nothing was created", s.Name, found.Count(preflight.Error))}
	case found.Count(preflight.Unchecked) > 0:
		return &exitError{ExitFailure, fmt.Errorf("migration %s: some preflight checks could not run (listed above): nothing was created", s.Name)}
	}
	return nil
}
