package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/dbverify/dbverify/pkg/verify"
)

func mergeCommand() *cli.Command {
	var output string
	return &cli.Command{
		Name:      "merge",
		Usage:     "add up the JSON reports of a compare's shards into one report",
		UsageText: "dbverify merge [--output text|json] PART.json ...",
		Description: `A compare split between N processes (compare --shard I/N, or --shards N in a job array)
gives N partial JSON reports; merge adds them up into the report one process would have
given: the same fingerprints, counts and differing rows. Every shard must be given once, and
their chunks must tile each table (shards that saw a table change plan different chunks:
merge refuses them).

Examples:
  for i in 0 1 2 3; do dbverify compare --source $SRC --target $TGT --shard $i/4 -o json > part$i.json & done; wait
  dbverify merge part0.json part1.json part2.json part3.json

Exit codes: 0 identical, 1 differences found, 2 bad usage or reports that do not add up,
3 a report that cannot be read.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "text", Usage: "the merged report as `FORMAT`: text, json, junit or csv", Destination: &output},
		},
		Action: func(c *cli.Context) error {
			return runMerge(c.Context, output, c.Args().Slice(), c.App.Writer)
		},
	}
}

func runMerge(_ context.Context, output string, files []string, stdout io.Writer) error {
	if err := checkOutput(output); err != nil {
		return err
	}
	if len(files) == 0 {
		return usage("merge: give the shards' JSON reports")
	}
	var parts []*verify.Report
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return &exitError{ExitFailure, fmt.Errorf("merge: %v", err)}
		}
		r, err := verify.ReadReport(f)
		f.Close()
		if err != nil {
			return usage("merge: %s: not a JSON report: %v", name, err)
		}
		defer r.Close()
		parts = append(parts, r)
	}
	rep, err := verify.Merge(parts)
	if err != nil {
		return fail(err)
	}
	defer rep.Close()
	if err := writeReport(stdout, rep, output); err != nil {
		return &exitError{ExitFailure, fmt.Errorf("write report: %w", err)}
	}
	if !rep.Identical() {
		return &exitError{code: ExitDiffer}
	}
	return nil
}
