package cli_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dbverify/dbverify/internal/testdb"
)

// TestWatchSlots: watching a PostgreSQL source (a throwaway wal_level=logical cluster) that
// has a logical slot nobody consumes prints a line per slot at each pass, with the WAL it
// retains; once the slot holds more than --max-slot-wal it is a WARNING line and a logged
// warning, the retained bytes are a metric, and in JSON each read is an event "slots". The
// slot is made by the test (dbverify never makes one) and dropped when it ends.
func TestWatchSlots(t *testing.T) {
	srv := testdb.StartPostgresWith(t, "-c", "wal_level=logical")
	src, tgt := srv.New(t), srv.New(t)
	for _, db := range []*testdb.DB{src, tgt} {
		db.Exec(t, "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(10))", "INSERT INTO t VALUES (1, 'a'), (2, 'b')")
	}
	src.Exec(t, "SELECT pg_create_logical_replication_slot('dbv_watch_slot', 'pgoutput')")
	t.Cleanup(func() { src.SQL.Exec("SELECT pg_drop_replication_slot('dbv_watch_slot')") })
	args := []string{"watch", "-s", src.DSN, "-t", tgt.DSN, "--interval", "200ms", "--settle", "1s", "--every", "300ms", "--timeout", "2s"}

	// Little WAL yet: a line per pass, no warning under the default 10GiB.
	code, out, errw := run(t, args...)
	if code != 0 || !strings.Contains(out, "source slot dbv_watch_slot (logical, pgoutput, database "+src.Name+", inactive, wal_status reserved): retains ") ||
		strings.Contains(out, "WARNING") || strings.Contains(errw, "dbv_watch_slot") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errw)
	}
	if n, passes := strings.Count(out, "source slot dbv_watch_slot"), strings.Count(out, ": pass "); n < passes+1 {
		t.Errorf("%d slot lines for %d passes: want one at the start and one after each pass:\n%s", n, passes, out)
	}

	// About 4 MiB of WAL later, past --max-slot-wal 1MiB.
	src.Exec(t, "CREATE TABLE filler (id INT PRIMARY KEY, v TEXT)", "INSERT INTO filler SELECT g, repeat('x', 200) FROM generate_series(1, 15000) g")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	scraped := make(chan string, 1)
	go func() {
		var body string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			resp, err := http.Get("http://" + addr + "/metrics")
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if body = string(b); strings.Contains(body, `dbverify_slot_retained_wal_bytes{slot="dbv_watch_slot"}`) {
				break
			}
		}
		scraped <- body
	}()
	code, out, errw = run(t, append(args, "--max-slot-wal", "1MiB", "--tables", "t", "--metrics-addr", addr)...)
	if code != 0 || !strings.Contains(out, "WARNING slot dbv_watch_slot (logical, pgoutput") || !strings.Contains(out, "past --max-slot-wal 1.0 MiB") ||
		!strings.Contains(errw, "dbverify: source replication slot dbv_watch_slot retains ") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errw)
	}
	body := <-scraped
	for _, want := range []string{`dbverify_slot_retained_wal_bytes{slot="dbv_watch_slot"} `, `dbverify_slot_confirmed_flush_lag_bytes{slot="dbv_watch_slot"} `,
		`dbverify_slot_active{slot="dbv_watch_slot"} 0`, "dbverify_slot_retained_wal_limit_bytes 1.048576e+06"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}

	code, out, errw = run(t, append(args, "--max-slot-wal", "1MiB", "--tables", "t", "-o", "json")...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errw)
	}
	reads := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev struct {
			Event string
			Limit int64 `json:"max_slot_wal_bytes"`
			Slots []struct {
				Slot     string
				Retained int64 `json:"retained_wal_bytes"`
				Over     bool  `json:"over_limit"`
			}
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not a JSON line: %q: %v", line, err)
		}
		if ev.Event != "slots" {
			continue
		}
		reads++
		if ev.Limit != 1<<20 || len(ev.Slots) != 1 || ev.Slots[0].Slot != "dbv_watch_slot" || ev.Slots[0].Retained < 2<<20 || !ev.Slots[0].Over {
			t.Errorf("slots event %s", line)
		}
	}
	if reads < 2 {
		t.Errorf("%d slots events:\n%s", reads, out)
	}

	code, _, errw = run(t, append(args, "--max-slot-wal", "lots")...)
	if code != 2 || !strings.Contains(errw, "--max-slot-wal") {
		t.Errorf("--max-slot-wal lots: exit %d\n%s", code, errw)
	}
}
