// Package preflight is the shape of what a migration's preflight checks find: one Finding per
// problem, each naming what is wrong, where, why it matters and how to fix it, so that a run
// lists every problem at once instead of stopping at the first. It holds no checks and imports
// no database or AWS code: package preflight/dbcheck checks a source database, package awsmig
// checks the AWS resources of a migration, and both report Findings.
package preflight

import (
	"fmt"
	"io"
	"strings"
)

// Severity says what a finding means for the migration.
type Severity int

// The severities, from the most to the least serious.
const (
	// Error: the migration would fail or lose data; it must be fixed first.
	Error Severity = iota
	// Unchecked: a check could not run (no privilege, a timeout); its outcome is unknown.
	Unchecked
	// Warning: the migration can go ahead, with a risk worth knowing.
	Warning
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Unchecked:
		return "unchecked"
	case Warning:
		return "warning"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// Finding is one problem found: Where (the side or resource), What (the setting, table or
// column), Cause (why it is a problem) and Fix (what to do).
type Finding struct {
	Severity Severity
	Where    string // e.g. "source mysql://dbv:***@db:3306/shop" or "kms key alias/x (eu-west-1)"
	What     string // e.g. "binlog_format", "table orders", "column orders.body"
	Cause    string
	Fix      string
}

// String is the finding on one line.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(f.Severity.String())
	b.WriteString(": ")
	if f.Where != "" {
		b.WriteString(f.Where + ": ")
	}
	if f.What != "" {
		b.WriteString(f.What + ": ")
	}
	b.WriteString(f.Cause)
	if f.Fix != "" {
		b.WriteString("; fix: " + f.Fix)
	}
	return oneLine(b.String())
}

// Findings are the outcome of a preflight.
type Findings []Finding

// Count returns how many findings have severity s.
func (fs Findings) Count(s Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// OK reports whether nothing must be fixed and every check ran: no errors, nothing unchecked.
// Warnings do not count.
func (fs Findings) OK() bool { return fs.Count(Error) == 0 && fs.Count(Unchecked) == 0 }

// Summary is one line counting the findings.
func (fs Findings) Summary() string {
	e, u, w := fs.Count(Error), fs.Count(Unchecked), fs.Count(Warning)
	if e+u+w == 0 {
		return "preflight: no problems found"
	}
	return fmt.Sprintf("preflight: %s, %s, %s", plural(e, "error"), plural(u, "check that could not run", "checks that could not run"), plural(w, "warning"))
}

// Write prints every finding, errors first, one per line, then the summary.
func (fs Findings) Write(w io.Writer) error {
	var b strings.Builder
	for _, s := range []Severity{Error, Unchecked, Warning} {
		for _, f := range fs {
			if f.Severity == s {
				b.WriteString(f.String() + "\n")
			}
		}
	}
	b.WriteString(fs.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// oneLine joins a multi-line message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
