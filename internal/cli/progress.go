package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// The progress bar: one line per table on stderr, redrawn in place, only when both stdout and
// stderr are terminals (a report or a log that goes to a file or a pipe gets no bar). The rate
// is the rows hashed over the last few seconds divided by those seconds, the first rows counted
// from the table's start (a chunk's rows arrive when it ends, so counting from the first
// arrival would overstate it). A table's last frame, left on the screen, shows its true totals:
// the rows hashed (the row count planned is an estimate on large tables), 100%, and the
// table's average rate.

// rateWindow is how far back the rate looks.
const rateWindow = 5 * time.Second

// drawEvery bounds how often the line is redrawn.
const drawEvery = 100 * time.Millisecond

// barProgress draws the progress of a compare (verify.Progress and verify.ThrottleProgress).
type barProgress struct {
	mu    sync.Mutex
	w     io.Writer
	width int
	now   func() time.Time
	meter *rowMeter // the table under way; nil before the first
	name  string
	pause string // why the throttle pauses, "" when it does not
	drawn time.Time
}

// newBar is the progress bar for a compare, or nil when there must be none: --progress=false,
// or stdout or stderr not a terminal.
func newBar(enabled bool, stdout, stderr io.Writer) *barProgress {
	if !enabled || !isTerminal(stdout) || !isTerminal(stderr) {
		return nil
	}
	width := 80
	if f, ok := stderr.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols >= 40 {
			width = cols
		}
	}
	return &barProgress{w: stderr, width: width, now: time.Now}
}

// Table ends the table under way (its last frame stays) and starts the next.
func (p *barProgress) Table(name string, rows int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endTable()
	p.name, p.pause = name, ""
	p.meter = newRowMeter(p.now(), rows)
	p.draw(true)
}

// Rows counts rows hashed.
func (p *barProgress) Rows(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.meter == nil {
		return
	}
	p.meter.add(p.now(), n)
	p.draw(false)
}

// Paused shows why the throttle pauses the compare beside the table's name.
func (p *barProgress) Paused(reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pause = reason
	p.draw(true)
}

// finish draws the last table's last frame.
func (p *barProgress) finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.endTable()
}

func (p *barProgress) endTable() {
	if p.meter == nil {
		return
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K\n", fitLine(p.meter.final(p.now(), p.name), p.width))
	p.meter = nil
}

func (p *barProgress) draw(force bool) {
	if p.meter == nil {
		return
	}
	now := p.now()
	if !force && now.Sub(p.drawn) < drawEvery {
		return
	}
	p.drawn = now
	name := p.name
	if p.pause != "" {
		name += " (paused: " + p.pause + ")"
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", fitLine(p.meter.frame(now, name, p.width), p.width))
}

// fitLine cuts a line to width-1 columns, so that the cursor never wraps.
func fitLine(s string, width int) string {
	if r := []rune(s); len(r) > width-1 {
		return string(r[:width-1])
	}
	return s
}

// rowMeter counts a table's rows against its planned count and measures their rate.
type rowMeter struct {
	start   time.Time
	planned int64 // the source's (estimated) row count
	done    int64
	samples []rowSample // (when, done) over the last rateWindow, oldest first
}

type rowSample struct {
	at   time.Time
	done int64
}

func newRowMeter(start time.Time, planned int64) *rowMeter {
	return &rowMeter{start: start, planned: planned, samples: []rowSample{{start, 0}}}
}

func (m *rowMeter) add(now time.Time, n int64) {
	m.done += n
	m.samples = append(m.samples, rowSample{now, m.done})
	// Keep one sample at or before the window's start, so the window is always full.
	cut := 0
	for cut+1 < len(m.samples) && now.Sub(m.samples[cut+1].at) >= rateWindow {
		cut++
	}
	m.samples = m.samples[cut:]
}

// rate is rows a second over the window: the rows hashed since its oldest sample over the time
// since then (0 before any time has passed).
func (m *rowMeter) rate(now time.Time) float64 {
	first := m.samples[0]
	d := now.Sub(first.at).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(m.done-first.done) / d
}

// frame is the line drawn while the table runs: name, bar, percent, rows, rate, time left.
// The percent stays under 100 until the table ends, however far past the planned count it is.
func (m *rowMeter) frame(now time.Time, name string, width int) string {
	total := max(m.planned, m.done, 1)
	pct := min(int(100*m.done/total), 99)
	rate := m.rate(now)
	tail := fmt.Sprintf(" %3d%%  %s/%s rows  %s", pct, count(m.done), count(total), rateText(rate))
	if left := total - m.done; rate > 0 && left > 0 {
		tail += "  " + (time.Duration(float64(left)/rate) * time.Second).Round(time.Second).String() + " left"
	}
	barWidth := min(width-len([]rune(name))-len(tail)-4, 40)
	if barWidth < 10 {
		return name + tail
	}
	fill := int(int64(barWidth) * m.done / total)
	return name + " [" + strings.Repeat("=", fill) + strings.Repeat(" ", barWidth-fill) + "]" + tail
}

// final is the table's last frame: the rows hashed as its total, 100%, its average rate and
// its time.
func (m *rowMeter) final(now time.Time, name string) string {
	took := now.Sub(m.start)
	rate := 0.0
	if took > 0 {
		rate = float64(m.done) / took.Seconds()
	}
	return fmt.Sprintf("%s 100%%  %s rows  %s  %s", name, count(m.done), rateText(rate), took.Round(time.Millisecond))
}

// rateText is a rate of rows, in rows/s.
func rateText(r float64) string {
	return count(int64(r+0.5)) + " rows/s"
}

// count is n with thousands separated: 1,234,567.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
