package dialect

import (
	"errors"
	"testing"
)

func TestPositionReachedBy(t *testing.T) {
	mysql := func(s string) *GTIDSet {
		g, err := ParseMySQLGTIDSet(s)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	maria := func(s string) *GTIDSet {
		g, err := ParseMariaDBGTIDPos(s)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	const u1, u2 = "3e11fa47-71ca-11e1-9e33-c80aa9429562", "4f22fa47-71ca-11e1-9e33-c80aa9429562"
	for _, c := range []struct {
		name       string
		src, appl  Position
		want       Reach
		incompared bool
	}{
		{"lsn behind", Position{WAL: true, LSN: 0x100}, Position{WAL: true, LSN: 0x40}, Reach{Distance: 0xc0, Unit: "bytes"}, false},
		{"lsn equal", Position{WAL: true, LSN: 0x100}, Position{WAL: true, LSN: 0x100}, Reach{Reached: true, Unit: "bytes"}, false},
		{"mariadb behind", Position{GTID: maria("0-1-100,1-2-7")}, Position{GTID: maria("0-1-97,1-2-7")}, Reach{Distance: 3, Unit: "transactions"}, false},
		{"mariadb past, other server", Position{GTID: maria("0-1-100")}, Position{GTID: maria("0-2-101,5-1-1")}, Reach{Reached: true, Unit: "transactions"}, false},
		{"mariadb domain unseen", Position{GTID: maria("0-1-3,2-1-4")}, Position{GTID: maria("0-1-3")}, Reach{Distance: 4, Unit: "transactions"}, false},
		{"mariadb empty source", Position{GTID: maria("")}, Position{GTID: maria("")}, Reach{Reached: true, Unit: "transactions"}, false},
		{"mysql gaps", Position{GTID: mysql(u1 + ":1-10:12," + u2 + ":1-3")}, Position{GTID: mysql(u1 + ":1-9:11-12,\n" + u2 + ":1-5")}, Reach{Distance: 1, Unit: "transactions"}, false},
		{"mysql tagged", Position{GTID: mysql(u1 + ":1-3:web:1-2")}, Position{GTID: mysql(u1 + ":1-3")}, Reach{Distance: 2, Unit: "transactions"}, false},
		{"binlog same file", Position{File: "binlog.000002", Offset: 900}, Position{File: "binlog.000002", Offset: 400}, Reach{Distance: 500, Unit: "bytes"}, false},
		{"binlog later file", Position{File: "binlog.000002", Offset: 900}, Position{File: "binlog.000010", Offset: 4}, Reach{Reached: true, Unit: "bytes"}, false},
		{"binlog earlier file", Position{File: "binlog.000010", Offset: 900}, Position{File: "binlog.000009", Offset: 4000}, Reach{}, false},
		{"gtid before binlog", Position{GTID: maria("0-1-5"), File: "b.000001", Offset: 9}, Position{GTID: maria("0-1-5"), File: "b.000001", Offset: 1}, Reach{Reached: true, Unit: "transactions"}, false},
		{"flavours differ, binlog decides", Position{GTID: maria("0-1-5"), File: "b.000001", Offset: 9}, Position{GTID: mysql(u1 + ":1"), File: "b.000001", Offset: 9}, Reach{Reached: true, Unit: "bytes"}, false},
		{"lsn against gtid", Position{WAL: true, LSN: 1}, Position{GTID: maria("0-1-1")}, Reach{}, true},
		{"other binlog base", Position{File: "a.000001"}, Position{File: "b.000001"}, Reach{}, true},
		{"another server's binlog", Position{File: "b.000001", Offset: 9, ServerID: 1}, Position{File: "b.000001", Offset: 9, ServerID: 3}, Reach{}, true},
		{"server known on one side", Position{File: "b.000001", Offset: 9, ServerID: 1}, Position{File: "b.000001", Offset: 9}, Reach{Reached: true, Unit: "bytes"}, false},
	} {
		got, err := c.src.ReachedBy(c.appl)
		if c.incompared != errors.Is(err, ErrIncomparable) || got != c.want {
			t.Errorf("%s: %s reached by %s = %+v, %v; want %+v (incomparable %v)", c.name, c.src, c.appl, got, err, c.want, c.incompared)
		}
	}
}

func TestParsePositions(t *testing.T) {
	for _, s := range []string{"0/16B3748", "FFFFFFFF/0"} {
		n, err := ParseLSN(s)
		if err != nil || FormatLSN(n) != s {
			t.Errorf("LSN %s: %X, %v", s, n, err)
		}
	}
	for _, bad := range []string{"", "16B3748", "0/x", "1/2/3"} {
		if _, err := ParseLSN(bad); err == nil {
			t.Errorf("LSN %q parsed", bad)
		}
	}
	for _, bad := range []string{"0-1", "a-1-2", "0-1-2,,"} {
		if _, err := ParseMariaDBGTIDPos(bad); err == nil {
			t.Errorf("MariaDB GTID %q parsed", bad)
		}
	}
	for _, bad := range []string{"nouuid:1-2", "3e11fa47-71ca-11e1-9e33-c80aa9429562:5-2", "3e11fa47-71ca-11e1-9e33-c80aa9429562:-"} {
		if _, err := ParseMySQLGTIDSet(bad); err == nil {
			t.Errorf("MySQL GTID set %q parsed", bad)
		}
	}
	p := Position{GTID: &GTIDSet{mariadb: true, text: "0-1-9"}, File: "binlog.000001", Offset: 77}
	if s := p.String(); s != "0-1-9 binlog.000001:77" {
		t.Errorf("String %q", s)
	}
}
