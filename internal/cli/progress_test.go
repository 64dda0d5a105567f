package cli

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

// TestRowMeter: the rate counts the first rows from the table's start and, later, the rows of
// the last few seconds over those seconds; the last frame shows the rows hashed, not the
// estimate, at 100%, with the table's average rate.
func TestRowMeter(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	m := newRowMeter(t0, 10_000) // an estimate: the table holds 12,000
	// A chunk of 1,000 rows every 0.5 s: 2,000 rows/s all along.
	for i := 1; i <= 4; i++ {
		m.add(t0.Add(time.Duration(i)*500*time.Millisecond), 1000)
	}
	if r := m.rate(t0.Add(2 * time.Second)); r != 2000 {
		t.Errorf("rate after 2s: %v rows/s, want 2000 (the first chunk's rows counted from the start)", r)
	}
	// Then the server slows down: 1,000 rows a second for 10 s; the rate follows within the window.
	for i := 1; i <= 8; i++ {
		m.add(t0.Add(2*time.Second+time.Duration(i)*time.Second), 1000)
	}
	if r := m.rate(t0.Add(10 * time.Second)); r != 1000 {
		t.Errorf("rate after the slowdown: %v rows/s, want 1000", r)
	}
	if n := len(m.samples); n > 7 {
		t.Errorf("%d samples kept, want those of the last %s only", n, rateWindow)
	}
	frame := m.frame(t0.Add(10*time.Second), "orders", 100)
	if !strings.Contains(frame, " 99%  12,000/12,000 rows  1,000 rows/s") || strings.Contains(frame, "left") {
		t.Errorf("past the estimate, the frame is %q; want 99%%, the rows hashed as the total, no time left", frame)
	}
	if got, want := m.final(t0.Add(12*time.Second), "orders"), "orders 100%  12,000 rows  1,000 rows/s  12s"; got != want {
		t.Errorf("last frame %q, want %q", got, want)
	}

	m = newRowMeter(t0, 4000)
	m.add(t0.Add(time.Second), 1000)
	if got := m.frame(t0.Add(time.Second), "t", 80); !strings.Contains(got, " 25%  1,000/4,000 rows  1,000 rows/s  3s left") || !strings.Contains(got, "[=") {
		t.Errorf("frame %q", got)
	}
	if got := m.frame(t0.Add(time.Second), "a-table-with-a-rather-long-name", 40); strings.Contains(got, "[") {
		t.Errorf("no room for a bar, yet: %q", got)
	}
	if got := newRowMeter(t0, 0).rate(t0); got != 0 {
		t.Errorf("rate at the start: %v", got)
	}
}

// TestBarOnlyOnTerminals: no bar when stdout or stderr is not a terminal (a file, a pipe, a
// buffer), nor with --progress=false; a bar draws nothing once it has none.
func TestBarOnlyOnTerminals(t *testing.T) {
	var out, errw bytes.Buffer
	if newBar(true, &out, &errw) != nil {
		t.Error("a bar on buffers")
	}
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if newBar(true, os.Stdout, f) != nil || newBar(true, f, os.Stderr) != nil {
		t.Error("a bar with a file for stdout or stderr")
	}
	if newBar(false, os.Stdout, os.Stderr) != nil {
		t.Error("a bar with --progress=false")
	}
	var none *barProgress
	none.finish() // a compare without a bar ends it too
}

// TestBarFrames: the bar redraws its line in place, and leaves each table's last frame.
func TestBarFrames(t *testing.T) {
	var w bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &barProgress{w: &w, width: 100, now: func() time.Time { return now }}
	p.Table("a", 100)
	now = now.Add(time.Second)
	p.Rows(60)
	p.Paused("source busy")
	now = now.Add(time.Second)
	p.Rows(70) // past the estimate
	p.Table("b", 10)
	now = now.Add(time.Second)
	p.Rows(10)
	p.finish()
	out := w.String()
	for _, want := range []string{"\ra 100%  130 rows  65 rows/s  2s\x1b[K\n", "a (paused: source busy) [", "\rb 100%  10 rows  10 rows/s  1s\x1b[K\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in %q", want, out)
		}
	}
	if strings.Count(out, "\n") != 2 {
		t.Errorf("%d lines left, want one per table: %q", strings.Count(out, "\n"), out)
	}
}
