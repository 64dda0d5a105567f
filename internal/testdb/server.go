package testdb

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a throwaway database server this package started for one test, on a free port of
// 127.0.0.1, stopped when the test ends. Tests that must disturb a server (stop it answering,
// read its global counters) use one of these, never the shared test servers.
type Server struct {
	URL    string // the server's URL: root (MariaDB) or postgres, no password, no database
	engine string // "mysql" or "postgres"
	port   int
	cmd    *exec.Cmd

	mu     sync.Mutex
	frozen []int         // the processes Freeze stopped
	exited chan struct{} // closed when cmd has exited
}

// StartMariaDB starts a throwaway MariaDB server. Without MariaDB's server binaries the test
// skips, or fails under CI.
func StartMariaDB(t testing.TB) *Server {
	t.Helper()
	mysqld, installDB := mariaDBBinaries(t, "a throwaway server")
	return startMariaDB(t, mysqld, installDB, tempDir(t, "dbv-mariadb-"), 1)
}

// StartPostgres starts a throwaway PostgreSQL cluster. Without PostgreSQL's server binaries the
// test skips, or fails under CI.
func StartPostgres(t testing.TB) *Server {
	t.Helper()
	return startPostgres(t, "a throwaway server")
}

// New creates a fresh database on the server.
func (s *Server) New(t testing.TB) *DB {
	t.Helper()
	if s.engine == "postgres" {
		return postgresOn(t, s.URL, "the throwaway server")
	}
	return mysqlOn(t, s.URL, "the throwaway server")
}

// Freeze stops the server's processes with SIGSTOP (MariaDB's one process; a PostgreSQL
// postmaster, then each of its backends, every one its own process group): connections stay
// open and new ones are accepted by the kernel, but nothing answers. Thaw, or the end of the
// test, lets them run again.
func (s *Server) Freeze(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	root := s.cmd.Process.Pid
	if err := syscall.Kill(root, syscall.SIGSTOP); err != nil { // first: it forks no more backends
		t.Fatalf("testdb: freeze the server on port %d: %v", s.port, err)
	}
	s.frozen = append(s.frozen[:0], root)
	for _, pid := range children(root) {
		if syscall.Kill(pid, syscall.SIGSTOP) == nil {
			s.frozen = append(s.frozen, pid)
		}
	}
}

// Thaw lets a frozen server run again.
func (s *Server) Thaw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, pid := range s.frozen {
		syscall.Kill(pid, syscall.SIGCONT)
	}
	s.frozen = nil
}

// children lists the processes whose parent is pid (from /proc; none where there is no /proc).
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// startPostgres initialises a cluster and starts it with the given server options (-c
// name=value ...); why says what needs it, for a missing binary.
func startPostgres(t testing.TB, why string, opts ...string) *Server {
	t.Helper()
	bin, err := pgBinDir()
	if err != nil {
		unavailable(t, "postgres", fmt.Errorf("%s needs PostgreSQL's server binaries: %w", why, err))
	}
	dir := tempDir(t, "dbv-pg-")
	data := filepath.Join(dir, "data")
	cred := pgCredential(t, dir)
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = "/"
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("testdb: initdb: %v\n%s", err, out)
	}
	port := freePort(t)
	log := filepath.Join(dir, "postgres.log")
	args := append([]string{"-D", data, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "shared_buffers=32MB"}, opts...)
	server := exec.Command(filepath.Join(bin, "postgres"), args...)
	server.Dir = "/"
	srv := startProcess(t, server, log, cred, syscall.SIGINT) // SIGINT: fast shutdown, not waiting for sessions
	srv.engine, srv.port = "postgres", port
	srv.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	waitFor(t, "PostgreSQL in "+dir, func() (bool, error) {
		db, err := openPing("pgx", srv.URL)
		if err != nil {
			return false, nil
		}
		return true, db.Close()
	}, func() string { return tail(log) })
	return srv
}

// pgCredential is, when this process runs as root (PostgreSQL refuses to), the postgres
// user's, which then owns dir; nil otherwise.
func pgCredential(t testing.TB, dir string) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		unavailable(t, "postgres", fmt.Errorf("running as root and no postgres user to run the server as: %w", err))
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// startProcess starts cmd with its output in log, as cred's user if not nil, in its own
// process group, and stops it when the test ends (with sig, then SIGKILL after 30s; a frozen
// server is let run first).
func startProcess(t testing.TB, cmd *exec.Cmd, log string, cred *syscall.Credential, sig syscall.Signal) *Server {
	t.Helper()
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	if cred != nil {
		f.Chown(int(cred.Uid), int(cred.Gid))
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	dieWithParent(cmd.SysProcAttr) // a test binary killed by -timeout leaves no server behind
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("testdb: start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	var once sync.Once
	srv := &Server{cmd: cmd, exited: done}
	t.Cleanup(func() {
		once.Do(func() {
			srv.Thaw()
			cmd.Process.Signal(sig)
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
	})
	return srv
}

// Crash kills a throwaway MariaDB server with SIGKILL, as a failover or a host failure does,
// keeps it down for down, and starts it again on the same port and data (InnoDB recovers what
// was committed). Connections open at the kill are lost; new ones are refused while it is down.
func (s *Server) Crash(t testing.TB, down time.Duration) {
	t.Helper()
	if s.engine != "mysql" {
		t.Fatalf("testdb: Crash restarts MariaDB servers only")
	}
	s.mu.Lock()
	old, exited := s.cmd, s.exited
	s.mu.Unlock()
	old.Process.Kill()
	<-exited
	time.Sleep(down)
	log := ""
	if f, ok := old.Stdout.(*os.File); ok {
		log = f.Name() + ".restarted"
	}
	next := startProcess(t, exec.Command(old.Path, old.Args[1:]...), log, nil, syscall.SIGTERM)
	s.mu.Lock()
	s.cmd, s.exited = next.cmd, next.exited
	s.mu.Unlock()
	waitFor(t, "MariaDB restarted on port "+strconv.Itoa(s.port), func() (bool, error) {
		db, err := openPing("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/", s.port))
		if err != nil {
			return false, nil
		}
		db.Close()
		return true, nil
	}, func() string { return tail(log) })
}
