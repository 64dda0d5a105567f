package cli

import (
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"
)

// Help is written by dbverify rather than by urfave/cli's templates, so that it fits the
// terminal: every line wrapped to its width (80 columns when the help is not going to a
// terminal), each flag's default said once (in its usage text, or after it when the usage does
// not say it), and each option's value named by its placeholder (`--workers N`).

func init() {
	cli.HelpPrinter = printHelp
	// -v is --verbose wherever a command logs detail; the version is --version (or -V).
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version", DisableDefaultText: true}
}

// helpWidth is the width help is wrapped to: the terminal's, 80 columns elsewhere.
func helpWidth(w io.Writer) int {
	if f, ok := w.(*os.File); ok && isTerminal(f) {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols >= 40 {
			return cols
		}
	}
	return 80
}

// printHelp writes the help of the app or of a command (data is a *cli.App or *cli.Command).
func printHelp(w io.Writer, _ string, data any) {
	h := &helpWriter{width: helpWidth(w)}
	switch d := data.(type) {
	case *cli.App:
		h.section("NAME", d.Name+" - "+d.Usage)
		usage := d.UsageText
		if usage == "" {
			usage = d.Name + " [global options] command [command options]"
		}
		h.section("USAGE", usage)
		if d.Version != "" && !d.HideVersion {
			h.section("VERSION", d.Version)
		}
		h.section("DESCRIPTION", d.Description)
		h.commands(d.VisibleCommands())
		h.flags("GLOBAL OPTIONS", d.VisibleFlags())
	case *cli.Command:
		name := d.HelpName
		if name == "" {
			name = d.Name
		}
		h.section("NAME", name+" - "+d.Usage)
		usage := d.UsageText
		if usage == "" {
			usage = name + " [command options] " + d.ArgsUsage
		}
		h.section("USAGE", usage)
		h.section("DESCRIPTION", d.Description)
		h.commands(d.VisibleCommands())
		h.flags("OPTIONS", d.VisibleFlags())
	default:
		return
	}
	io.WriteString(w, h.String())
}

// helpWriter builds help text wrapped to width.
type helpWriter struct {
	strings.Builder
	width int
}

const helpIndent = 3 // sections' bodies are indented by this much

func (h *helpWriter) section(title, body string) {
	if strings.TrimSpace(body) == "" {
		return
	}
	if h.Len() > 0 {
		h.WriteString("\n")
	}
	h.WriteString(title + ":\n")
	for _, line := range reflow(body, h.width-helpIndent) {
		if line == "" {
			h.WriteString("\n")
			continue
		}
		h.WriteString(strings.Repeat(" ", helpIndent) + line + "\n")
	}
}

// commands lists commands with their usage, which wraps under itself.
func (h *helpWriter) commands(cmds []*cli.Command) {
	if len(cmds) == 0 {
		return
	}
	var rows [][2]string
	for _, c := range cmds {
		if c.Name == "help" {
			continue // --help says it
		}
		rows = append(rows, [2]string{strings.Join(c.Names(), ", "), c.Usage})
	}
	h.table("COMMANDS", rows)
}

// flags lists flags: names with their placeholder, then the usage and the default.
func (h *helpWriter) flags(title string, flags []cli.Flag) {
	var rows [][2]string
	for _, f := range flags {
		if names, usage, ok := flagHelp(f); ok {
			rows = append(rows, [2]string{names, usage})
		}
	}
	h.table(title, rows)
}

// table writes rows of a name and a text: the texts line up in a column after the names,
// except after a name too long for it, whose text starts on the next line.
func (h *helpWriter) table(title string, rows [][2]string) {
	if len(rows) == 0 {
		return
	}
	// The names' column is as wide as the longest name that is not too long: no wider than a
	// third of the width.
	col := 0
	for _, r := range rows {
		if n := utf8.RuneCountInString(r[0]); n <= h.width/3 {
			col = max(col, n)
		}
	}
	col += helpIndent + 2
	h.WriteString("\n" + title + ":\n")
	for _, r := range rows {
		lead := strings.Repeat(" ", helpIndent) + r[0]
		text := wrapText(r[1], h.width-col)
		if utf8.RuneCountInString(lead)+2 > col {
			h.WriteString(lead + "\n")
			lead = ""
		}
		for i, line := range text {
			if i == 0 && lead != "" {
				h.WriteString(lead + strings.Repeat(" ", col-utf8.RuneCountInString(lead)) + line + "\n")
				continue
			}
			h.WriteString(strings.Repeat(" ", col) + line + "\n")
		}
		if len(text) == 0 {
			h.WriteString(lead + "\n")
		}
	}
}

// flagHelp is a flag's names with its placeholder ("--workers N, -w N") and its usage with its
// default said once, or false for a flag help does not show.
func flagHelp(f cli.Flag) (names, usage string, ok bool) {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return "", "", false
	}
	placeholder, text := unquoteUsage(df.GetUsage())
	if df.TakesValue() && placeholder == "" {
		placeholder = "value"
	}
	var parts []string
	for _, n := range f.Names() {
		dash := "--"
		if len(n) == 1 {
			dash = "-"
		}
		p := dash + n
		if df.TakesValue() {
			p += " " + placeholder
		}
		parts = append(parts, p)
	}
	names = strings.Join(parts, ", ")
	if sf, ok := f.(cli.DocGenerationSliceFlag); ok && sf.IsSliceFlag() && !strings.Contains(text, "repeatable") {
		text += " (repeatable)"
	}
	if def := defaultText(f, df); def != "" && !strings.Contains(text, "default") {
		text += " (default: " + def + ")"
	}
	if env := df.GetEnvVars(); len(env) > 0 {
		text += " [$" + strings.Join(env, ", $") + "]"
	}
	return names, text, true
}

// defaultText is a flag's default worth saying: none for zero values (0, 0s, "", false), which
// a usage text says when they mean something ("0: never").
func defaultText(f cli.Flag, df cli.DocGenerationFlag) string {
	if bf, ok := f.(*cli.BoolFlag); ok {
		if bf.DisableDefaultText || !bf.Value {
			return ""
		}
		return "true"
	}
	def := strings.Trim(df.GetDefaultText(), `"`)
	switch def {
	case "", "0", "0s", "false", "[]":
		return ""
	}
	return def
}

// unquoteUsage takes the first backquoted word of a usage text as its placeholder and drops
// the backquotes, as urfave/cli does.
func unquoteUsage(usage string) (placeholder, text string) {
	start := strings.IndexByte(usage, '`')
	if start < 0 {
		return "", usage
	}
	end := strings.IndexByte(usage[start+1:], '`')
	if end < 0 {
		return "", usage
	}
	placeholder = usage[start+1 : start+1+end]
	return placeholder, usage[:start] + placeholder + usage[start+1+end+1:]
}

// reflow wraps a description to width. The lines of a paragraph that start at the margin are
// joined and wrapped. Indented lines are examples and lists: a command line ("dbverify ...")
// keeps its line, broken with shell continuations when too long; a list entry ("resolved   the
// row ...") is wrapped under its text, joined with the lines that go on under it; other
// indented lines of one indent are joined and wrapped at it.
func reflow(body string, width int) []string {
	var out, para []string
	var item *indented
	flush := func() {
		if len(para) > 0 {
			out = append(out, wrapText(strings.Join(para, " "), width)...)
			para = nil
		}
		if item != nil {
			out = append(out, item.wrap(width)...)
			item = nil
		}
	}
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		switch {
		case trimmed == "":
			flush()
			out = append(out, "")
		case indent == 0:
			if item != nil {
				flush()
			}
			para = append(para, strings.TrimSpace(line))
		case item != nil && !item.command && !strings.HasPrefix(trimmed, "dbverify ") &&
			(indent == item.hang || item.hang == item.indent && indent == item.indent && !strings.Contains(trimmed, "   ")):
			item.text += " " + strings.TrimSpace(trimmed) // goes on under the entry's text
		default:
			flush()
			item = newIndented(line)
		}
	}
	flush()
	return out
}

// indented is an indented line of a description, with the lines that go on under it.
type indented struct {
	indent, hang int    // the line's indent, and where its text goes on when wrapped
	head         string // the line's start kept as written: a list entry's name and gap
	text         string
	command      bool
}

func newIndented(line string) *indented {
	trimmed := strings.TrimLeft(line, " ")
	it := &indented{indent: len(line) - len(trimmed), text: strings.TrimRight(trimmed, " ")}
	it.hang = it.indent
	it.command = strings.HasPrefix(trimmed, "dbverify ")
	if sp := strings.IndexByte(trimmed, ' '); !it.command && sp > 0 && strings.HasPrefix(trimmed[sp:], "  ") {
		gap := len(trimmed[sp:]) - len(strings.TrimLeft(trimmed[sp:], " "))
		it.head, it.text = trimmed[:sp+gap], strings.TrimSpace(trimmed[sp+gap:])
		it.hang = it.indent + sp + gap
	}
	return it
}

func (it *indented) wrap(width int) []string {
	pad := strings.Repeat(" ", it.indent)
	if it.command {
		return wrapCommand(pad, it.text, width)
	}
	if utf8.RuneCountInString(pad+it.head+it.text) <= width {
		return []string{pad + it.head + it.text}
	}
	lines := wrapText(it.text, width-it.hang)
	out := []string{pad + it.head + lines[0]}
	for _, l := range lines[1:] {
		out = append(out, strings.Repeat(" ", it.hang)+l)
	}
	return out
}

// wrapCommand wraps a command line: each broken line ends with a shell continuation and the
// next goes on 4 further in; a "# comment" too long to stay gets a line of its own.
func wrapCommand(pad, line string, width int) []string {
	if utf8.RuneCountInString(pad+line) <= width {
		return []string{pad + line}
	}
	cmd, comment, _ := strings.Cut(line, " # ")
	const cont = " \\"
	words := shellWords(cmd)
	lines := wrapWords(words, width-len(pad)-len(cont))
	out := []string{pad + lines[0]}
	rest := words[len(shellWords(lines[0])):]
	for _, t := range wrapWords(rest, width-len(pad)-4-len(cont)) {
		out = append(out, pad+"    "+t)
	}
	for i := range len(out) - 1 {
		out[i] += cont
	}
	if comment != "" {
		for _, t := range wrapText("# "+comment, width-len(pad)-4) {
			out = append(out, pad+"    "+t)
		}
	}
	return out
}

// wrapText breaks text into lines of at most width characters at spaces; a word longer than
// width has a line of its own.
func wrapText(text string, width int) []string {
	return wrapWords(strings.Fields(text), width)
}

// shellWords splits a command line at spaces outside quotes, so that a quoted argument is
// never broken.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
		case r == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteRune(r)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return words
}

// wrapWords joins words into lines of at most width characters; a word longer than width has
// a line of its own.
func wrapWords(words []string, width int) []string {
	if len(words) == 0 {
		return nil
	}
	width = max(width, 20)
	var lines []string
	line := words[0]
	for _, w := range words[1:] {
		if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		line += " " + w
	}
	return append(lines, line)
}
