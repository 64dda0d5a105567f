package cli_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestHelp: every help fits 80 columns when it does not go to a terminal, names each option's
// value by a placeholder (never "value"), says each flag's default at most once, and -v means
// --verbose only (the version is --version or -V).
func TestHelp(t *testing.T) {
	for _, cmd := range [][]string{{}, {"compare"}, {"watch"}, {"merge"}, {"demo"}, {"migrate"}, {"preflight"},
		{"migrate", "plan"}, {"migrate", "apply"}, {"migrate", "status"}, {"migrate", "finish"}} {
		code, out, errw := run(t, append(cmd, "--help")...)
		name := strings.Join(append([]string{"dbverify"}, cmd...), " ")
		if code != 0 || errw != "" {
			t.Errorf("%s --help: exit %d: %s", name, code, errw)
			continue
		}
		for _, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > 80 {
				t.Errorf("%s --help: a line of %d columns: %q", name, n, line)
			}
		}
		// The options: an entry starts at column 3 with a dash; its text may go on below.
		_, opts, ok := strings.Cut(out, "OPTIONS:\n")
		if !ok {
			t.Errorf("%s --help: no options:\n%s", name, out)
			continue
		}
		var entries []string
		for _, line := range strings.Split(opts, "\n") {
			switch {
			case strings.HasPrefix(line, "   -"):
				entries = append(entries, strings.TrimSpace(line))
			case strings.TrimSpace(line) != "" && len(entries) > 0:
				entries[len(entries)-1] += " " + strings.TrimSpace(line)
			}
		}
		for _, e := range entries {
			if noPlaceholder.MatchString(e) {
				t.Errorf("%s: no placeholder: %s", name, e)
			}
			if n := strings.Count(e, "default"); n > 1 {
				t.Errorf("%s: the default said %d times: %s", name, n, e)
			}
			if strings.Contains(e, "[ --") {
				t.Errorf("%s: repeated names: %s", name, e)
			}
		}
		if name == "dbverify compare" {
			for _, want := range []string{"--source DSN, -s DSN", "--workers N, -w N", "--repair FILE", "--mode MODE", "--hash FAMILY",
				"--map RULE", "--verbose, -v", "(default: 4)", "(default: 500ms)", "csv"} {
				if !strings.Contains(out, want) {
					t.Errorf("compare --help lacks %q:\n%s", want, out)
				}
			}
			for _, bad := range []string{"(default: 0s)", "(default: false)", "(default: 0)"} {
				if strings.Contains(out, bad) {
					t.Errorf("compare --help says %q", bad)
				}
			}
		}
	}
	if code, out, _ := run(t, "--version"); code != 0 || !strings.Contains(out, "version") {
		t.Errorf("--version: exit %d: %s", code, out)
	}
	if code, out, _ := run(t, "-V"); code != 0 || !strings.Contains(out, "version") {
		t.Errorf("-V: exit %d: %s", code, out)
	}
	if code, out, _ := run(t, "-v"); code != 2 || strings.Contains(out, "version") {
		t.Errorf("-v at the top: exit %d, want 2 (it is --verbose, of the commands): %s", code, out)
	}
	if code, _, errw := run(t, "compare", "-v"); code != 2 || !strings.Contains(errw, "--source is required") {
		t.Errorf("compare -v: exit %d: %s", code, errw)
	}
}

var noPlaceholder = regexp.MustCompile(`-[a-z-]+ value\b`)
