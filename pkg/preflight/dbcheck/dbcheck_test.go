package dbcheck

import (
	"testing"
	"time"
)

func TestBinlogRetention(t *testing.T) {
	for _, c := range []struct {
		vars map[string]string
		want time.Duration
		what string
	}{
		{map[string]string{}, 0, "binlog_expire_logs_seconds"}, // neither: kept forever
		{map[string]string{"binlog_expire_logs_seconds": "0", "expire_logs_days": "0"}, 0, "binlog_expire_logs_seconds"},
		{map[string]string{"binlog_expire_logs_seconds": "3600", "expire_logs_days": "10"}, time.Hour, "binlog_expire_logs_seconds"},
		{map[string]string{"binlog_expire_logs_seconds": "0", "expire_logs_days": "2"}, 48 * time.Hour, "expire_logs_days"},
		{map[string]string{"expire_logs_days": "0.5"}, 12 * time.Hour, "expire_logs_days"}, // MariaDB takes fractions
	} {
		got, what := binlogRetention(c.vars)
		if got != c.want || what != c.what {
			t.Errorf("%v: %s from %s, want %s from %s", c.vars, got, what, c.want, c.what)
		}
	}
}

func TestOptionsDefaults(t *testing.T) {
	var o Options
	if err := o.defaults(); err != nil || o.LOBMode != LOBLimited || o.LOBMaxKB != 32 || o.ScanTimeout != DefaultScanTimeout || o.MinRetention != 24*time.Hour {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	for _, bad := range []Options{{LOBMode: "huge"}, {LOBMaxKB: -1}, {Tables: []string{"["}}} {
		if err := bad.defaults(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
