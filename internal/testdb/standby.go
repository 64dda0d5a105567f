package testdb

import (
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// PostgresStandby starts a throwaway PostgreSQL primary and a physical standby that streams
// and replays its WAL (a copy made with pg_basebackup -R), makes a fresh database on the
// primary and returns it with the same database on the standby (hot standby: read-only).
// Everything replicates, DDL included. Pause and Resume pause and resume the standby's WAL
// replay (pg_wal_replay_pause, pg_wal_replay_resume); the WAL keeps arriving meanwhile.
func PostgresStandby(t testing.TB) *Replication {
	t.Helper()
	primary := startPostgres(t, "a physical standby", "-c", "wal_receiver_status_interval=1s")
	src := primary.New(t)
	bin, err := pgBinDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := tempDir(t, "dbv-pg-standby-")
	data := filepath.Join(dir, "data")
	cred := pgCredential(t, dir)
	backup := cmdAs(cred, filepath.Join(bin, "pg_basebackup"), "-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", "postgres",
		"-D", data, "-R", "-X", "stream", "-c", "fast")
	if out, err := backup.CombinedOutput(); err != nil {
		t.Fatalf("testdb: pg_basebackup: %v\n%s", err, out)
	}
	port := freePort(t)
	log := filepath.Join(dir, "postgres.log")
	server := cmdAs(nil, filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "hot_standby=on", "-c", "wal_receiver_status_interval=1s")
	startProcess(t, server, log, cred, syscall.SIGINT)
	u, _ := url.Parse(src.DSN)
	u.Host = "127.0.0.1:" + strconv.Itoa(port)
	standby := &url.URL{Scheme: "postgres", User: url.User("postgres"), Host: u.Host, Path: "/postgres", RawQuery: "sslmode=disable"}
	waitFor(t, "the standby to accept connections to "+src.Name, func() (bool, error) {
		db, err := openPing("pgx", u.String())
		if err != nil {
			return false, err
		}
		return true, db.Close()
	}, func() string { return tail(log) })
	h, err := openPing("pgx", u.String())
	if err != nil {
		t.Fatalf("testdb: standby: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	adm, err := openPing("pgx", standby.String())
	if err != nil {
		t.Fatalf("testdb: standby: %v", err)
	}
	adm.SetMaxOpenConns(1)
	t.Cleanup(func() { adm.Close() })
	return &Replication{Source: src, Target: &DB{Name: src.Name, DSN: u.String(), SQL: h},
		Pause:  func() error { _, err := adm.Exec("SELECT pg_wal_replay_pause()"); return err },
		Resume: func() error { _, err := adm.Exec("SELECT pg_wal_replay_resume()"); return err },
	}
}

// cmdAs is a command run from / as cred's user, if not nil.
func cmdAs(cred *syscall.Credential, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Dir = "/"
	if cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	return c
}
