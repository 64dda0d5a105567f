package creds

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/dbverify/dbverify/pkg/dialect/postgres"
)

// passwordCatcher is a PostgreSQL wire endpoint that takes TLS, asks each connection for a
// cleartext password (as RDS does for an IAM login), records it and refuses the login: what
// reached the wire, after everything dbverify and pgx did to the configuration.
type passwordCatcher struct {
	mu        sync.Mutex
	passwords []string
	users     []string
}

func (p *passwordCatcher) serve(t *testing.T) int {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.login(c, cert)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

func (p *passwordCatcher) login(c net.Conn, cert tls.Certificate) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var conn net.Conn = c
	be := pgproto3.NewBackend(conn, conn)
	msg, err := be.ReceiveStartupMessage()
	if err != nil {
		return
	}
	if _, ok := msg.(*pgproto3.SSLRequest); ok {
		if _, err := c.Write([]byte{'S'}); err != nil {
			return
		}
		conn = tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
		be = pgproto3.NewBackend(conn, conn)
		if msg, err = be.ReceiveStartupMessage(); err != nil {
			return
		}
	}
	sm, ok := msg.(*pgproto3.StartupMessage)
	if !ok {
		return
	}
	be.Send(&pgproto3.AuthenticationCleartextPassword{})
	if be.Flush() != nil || be.SetAuthType(pgproto3.AuthTypeCleartextPassword) != nil {
		return
	}
	msg, err = be.Receive()
	if err != nil {
		return
	}
	if pm, ok := msg.(*pgproto3.PasswordMessage); ok {
		p.mu.Lock()
		p.passwords = append(p.passwords, pm.Password)
		p.users = append(p.users, sm.Parameters["user"])
		p.mu.Unlock()
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01", Message: "PAM authentication failed for user"})
	be.Flush()
}

// TestIAMTokenOnTheWire: from a DSN with auth=iam to the bytes a server gets: each connection
// sends a fresh RDS IAM token, over TLS, signed for the DSN's host:port and user in the region
// asked for, with the configured (here fake) credentials; the refusal does not show it.
func TestIAMTokenOnTheWire(t *testing.T) {
	var catcher passwordCatcher
	port := strconv.Itoa(catcher.serve(t))
	r := fakeAWS(nil, new(string), nil)
	dsn, auth, err := r.Resolve(t.Context(), "postgres://iam_user@127.0.0.1:"+port+"/shop?auth=iam&aws-region=eu-central-1&sslmode=require&connect_timeout=5")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := postgres.OpenAuth(t.Context(), dsn, 1, auth)
		if err == nil || !strings.Contains(err.Error(), "access denied") {
			t.Fatalf("OpenAuth: %v", err)
		}
		if strings.Contains(err.Error(), "X-Amz") {
			t.Errorf("the error shows the token: %v", err)
		}
	}
	catcher.mu.Lock()
	defer catcher.mu.Unlock()
	if len(catcher.passwords) != 2 {
		t.Fatalf("%d logins reached the server, want 2", len(catcher.passwords))
	}
	for i, tok := range catcher.passwords {
		checkToken(t, tok, "127.0.0.1:"+port, "iam_user", "eu-central-1")
		if catcher.users[i] != "iam_user" {
			t.Errorf("user %q", catcher.users[i])
		}
	}
	// Over plain TCP the token would not leave: refused before any connection.
	dsn, auth, err = r.Resolve(t.Context(), "postgres://iam_user@127.0.0.1:"+port+"/shop?auth=iam&aws-region=eu-central-1&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.OpenAuth(t.Context(), dsn, 1, auth); err == nil || !strings.Contains(err.Error(), "clear text") {
		t.Errorf("sslmode=disable: %v", err)
	}
	if len(catcher.passwords) != 2 {
		t.Errorf("a token crossed without TLS")
	}
}
