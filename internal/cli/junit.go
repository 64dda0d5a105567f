package cli

import (
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dbverify/dbverify/pkg/verify"
)

// JUnit XML as CI systems read it (Jenkins' junit step, GitLab's artifacts:reports:junit, GitHub
// test reporters): one test suite for the compare, one test case per table, a failure for a
// table that differs, with its counts and its first differing rows.

// junitRows is how many differing rows a failure lists; the counts are always all of them.
const junitRows = 10

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitProblem is a failure (the table differs) or an error (it could not be compared).
type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// seconds is a duration as JUnit's time attribute: seconds, with milliseconds.
func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// writeJUnit writes rep as JUnit XML.
func writeJUnit(w io.Writer, rep *verify.Report) error {
	s := junitSuite{
		Name: "dbverify compare", Time: seconds(rep.Duration),
		Properties: []junitProperty{
			{"source", rep.Source.DSN}, {"source.engine", strings.TrimSpace(rep.Source.Engine + " " + rep.Source.Version)},
			{"target", rep.Target.DSN}, {"target.engine", strings.TrimSpace(rep.Target.Engine + " " + rep.Target.Version)},
		},
	}
	if !rep.Started.IsZero() {
		s.Timestamp = rep.Started.UTC().Format("2006-01-02T15:04:05")
	}
	s.Hostname, _ = os.Hostname()
	for _, t := range rep.Tables {
		c, err := junitTable(t)
		if err != nil {
			return err
		}
		s.Tests++
		if c.Failure != nil {
			s.Failures++
		}
		if c.Error != nil {
			s.Errors++
		}
		s.Cases = append(s.Cases, c)
	}
	doc := junitSuites{Name: "dbverify", Tests: s.Tests, Failures: s.Failures, Errors: s.Errors, Time: s.Time, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitTable is one table's test case: passed when identical, else a failure that says how the
// table differs and lists its first differing rows.
func junitTable(t *verify.TableReport) (junitCase, error) {
	c := junitCase{Classname: "dbverify.compare", Name: tableName(t), Time: seconds(t.Duration)}
	var out strings.Builder
	fmt.Fprintf(&out, "key %s (%s), %s strategy, %s mode, %d chunks; source %d rows, target %d rows; fingerprint %s:%s\n",
		strings.Join(t.Key, ","), t.KeyKind, t.Strategy, t.Mode, t.Chunks, t.SourceRows, t.TargetRows, t.Hash, t.SourcePrint)
	if t.Note != "" {
		fmt.Fprintf(&out, "note: %s\n", t.Note)
	}
	c.SystemOut = out.String()
	if t.Identical() {
		return c, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "source %d rows, target %d rows; %d missing on target, %d extra on target, %d changed\n",
		t.SourceRows, t.TargetRows, t.Missing, t.Extra, t.Changed)
	n := 0
	errStop := fmt.Errorf("enough rows")
	err := t.EachDiff(func(d verify.RowDiff) error {
		if n == junitRows {
			return errStop
		}
		n++
		b.WriteString(rowLine(t, d) + "\n")
		return nil
	})
	if err != nil && err != errStop {
		return c, err
	}
	if more := t.Differences() - int64(n); more > 0 && n > 0 {
		fmt.Fprintf(&b, "... and %d more\n", more)
	}
	c.Failure = &junitProblem{Message: differsBy(t), Type: "DIFFERENT", Text: b.String()}
	return c, nil
}
