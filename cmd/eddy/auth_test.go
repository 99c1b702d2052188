package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// connectURL opens a pgx connection, failing the test on error.
func connectURL(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// connectErr expects a connection to fail with SQLSTATE code and a message
// containing msg.
func connectErr(t *testing.T, url, code, msg string) {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err == nil {
		c.Close(context.Background())
		t.Fatalf("connect %s: succeeded, want %s", url, code)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("connect %s: %v, want SQLSTATE %s", url, err, code)
	}
	if pe.Code != code || pe.Severity != "FATAL" || !strings.Contains(pe.Message, msg) {
		t.Fatalf("connect %s: %s %s %q, want FATAL %s %q", url, pe.Severity, pe.Code, pe.Message, code, msg)
	}
}

func queryString(t *testing.T, c *pgx.Conn, q string) string {
	t.Helper()
	var s string
	if err := c.QueryRow(context.Background(), q).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func execErr(t *testing.T, c *pgx.Conn, q, code string) {
	t.Helper()
	_, err := c.Exec(context.Background(), q)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("%s: %v, want SQLSTATE %s", q, err, code)
	}
}

func psqlEnv(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	if _, err := osexec.LookPath("psql"); err != nil {
		t.Skip("psql is not installed")
	}
	cmd := osexec.Command("psql", append([]string{"-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestSCRAM(t *testing.T) {
	addr := startEddyWith(t, config{password: "s3cret"})
	url := func(user, pw string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/eddy?sslmode=disable", user, pw, addr)
	}
	c := connectURL(t, url("eddy", "s3cret"))
	if got := queryString(t, c, "SELECT current_user"); got != "eddy" {
		t.Fatalf("current_user = %q", got)
	}
	connectErr(t, url("eddy", "wrong"), "28P01", `password authentication failed for user "eddy"`)
	connectErr(t, fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr), "28P01", `password authentication failed for user "eddy"`)
	// As PostgreSQL 15 under SCRAM: an unknown role fails as a wrong password
	// does, so that clients cannot probe which roles exist.
	connectErr(t, url("nobody", "s3cret"), "28P01", `password authentication failed for user "nobody"`)

	out, err := psqlEnv(t, []string{"PGPASSWORD=s3cret"}, fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr), "-c", "SELECT 40 + 2")
	if err != nil || out != "42" {
		t.Fatalf("psql with PGPASSWORD: %v: %s", err, out)
	}
	out, err = psqlEnv(t, []string{"PGPASSWORD=nope"}, fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr), "-c", "SELECT 1")
	if err == nil || !strings.Contains(out, `password authentication failed for user "eddy"`) {
		t.Fatalf("psql with a wrong password: %v: %s", err, out)
	}
}

func TestRoles(t *testing.T) {
	addr := startEddyWith(t, config{password: "s3cret"})
	url := func(user, pw string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/eddy?sslmode=disable", user, pw, addr)
	}
	su := connectURL(t, url("eddy", "s3cret"))
	for _, q := range []string{
		"CREATE USER alice WITH PASSWORD 'alice%pw'",
		"CREATE ROLE bob PASSWORD 'bob'",
		"CREATE ROLE carol LOGIN",
	} {
		if _, err := su.Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	execErr(t, su, "CREATE ROLE alice", "42710")
	execErr(t, su, "DROP ROLE eddy", "55006")
	execErr(t, su, "CREATE ROLE pg_x", "42939")

	alice := connectURL(t, url("alice", "alice%25pw"))
	if got := queryString(t, alice, "SHOW is_superuser"); got != "off" {
		t.Fatalf("alice is_superuser = %s", got)
	}
	execErr(t, alice, "CREATE ROLE mallory", "42501")
	execErr(t, alice, "ALTER USER alice SUPERUSER", "42501")
	execErr(t, alice, "ALTER USER eddy PASSWORD 'x'", "42501")
	if _, err := alice.Exec(context.Background(), "ALTER USER alice PASSWORD 'new:pw'"); err != nil {
		t.Fatal(err)
	}
	connectErr(t, url("alice", "alice%25pw"), "28P01", "password authentication failed")
	connectURL(t, url("alice", "new%3Apw"))

	// NOLOGIN (CREATE ROLE's default) is checked after the password, as
	// PostgreSQL does; a role without a password cannot authenticate.
	connectErr(t, url("bob", "bob"), "28000", `role "bob" is not permitted to log in`)
	connectErr(t, url("carol", ""), "28P01", `password authentication failed for user "carol"`)

	if got := queryString(t, su, "SELECT string_agg(rolname || ':' || rolcanlogin::text || ':' || rolsuper::text, ',' ORDER BY rolname) FROM pg_roles"); got != "alice:true:false,bob:false:false,carol:true:false,eddy:true:true" {
		t.Fatalf("pg_roles: %s", got)
	}
	if got := queryString(t, su, "SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'"); !strings.HasPrefix(got, "SCRAM-SHA-256$4096:") {
		t.Fatalf("pg_authid.rolpassword = %q", got)
	}
	// A verifier in PostgreSQL's format is taken as already hashed, so that
	// pg_dumpall's output restores.
	v := queryString(t, su, "SELECT rolpassword FROM pg_authid WHERE rolname = 'alice'")
	if _, err := su.Exec(context.Background(), fmt.Sprintf("CREATE USER dave PASSWORD '%s'", v)); err != nil {
		t.Fatal(err)
	}
	connectURL(t, url("dave", "new%3Apw"))

	if _, err := su.Exec(context.Background(), "ALTER USER dave RENAME TO erin"); err != nil {
		t.Fatal(err)
	}
	connectURL(t, url("erin", "new%3Apw"))
	if _, err := su.Exec(context.Background(), "DROP USER IF EXISTS erin, nobody"); err != nil {
		t.Fatal(err)
	}
	connectErr(t, url("erin", "new%3Apw"), "28P01", "password authentication failed")
}

// TestTrustUntilPassword covers the embedded default: on loopback without a
// password clients are trusted, until a role gets a password.
func TestTrustUntilPassword(t *testing.T) {
	addr := startEddyWith(t, config{})
	c := connectURL(t, fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr))
	connectErr(t, fmt.Sprintf("postgres://nobody@%s/eddy?sslmode=disable", addr), "28000", `role "nobody" does not exist`)
	if _, err := c.Exec(context.Background(), "ALTER USER eddy PASSWORD 'now'"); err != nil {
		t.Fatal(err)
	}
	connectErr(t, fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr), "28P01", "password authentication failed")
	connectURL(t, fmt.Sprintf("postgres://eddy:now@%s/eddy?sslmode=disable", addr))
}

func TestNonLoopbackNeedsPassword(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	err := run(context.Background(), config{dataDir: t.TempDir(), listen: "0.0.0.0:0"}, log, nil)
	if err == nil || !strings.Contains(err.Error(), "refusing to listen") {
		t.Fatalf("run on 0.0.0.0 without a password: %v", err)
	}
	// With a password, or --insecure, it starts.
	startEddyWith(t, config{listen: "0.0.0.0:0", password: "x"})
	addr := startEddyWith(t, config{listen: "0.0.0.0:0", insecure: true})
	_, port, _ := net.SplitHostPort(addr)
	connectURL(t, fmt.Sprintf("postgres://eddy@127.0.0.1:%s/eddy?sslmode=disable", port))
}

func TestMaxConnections(t *testing.T) {
	addr := startEddyWith(t, config{maxConnections: 2})
	url := fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", addr)
	first := connectURL(t, url)
	connectURL(t, url)
	for range 5 {
		connectErr(t, url, "53300", "sorry, too many clients already")
	}
	if got := queryString(t, first, "SELECT 'still here'"); got != "still here" {
		t.Fatal(got)
	}
}

// testCerts writes a CA and a server certificate for localhost and
// 127.0.0.1 into dir and returns the paths of the CA, cert and key.
func testCerts(t *testing.T) (ca, cert, key string) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eddy test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("server.pem", "CERTIFICATE", srvDER), write("server.key", "EC PRIVATE KEY", keyDER)
}

func TestTLS(t *testing.T) {
	ca, cert, key := testCerts(t)
	addr := startEddyWith(t, config{password: "s3cret", tlsCert: cert, tlsKey: key, tlsRequire: true})
	_, port, _ := net.SplitHostPort(addr)
	for _, host := range []string{"localhost", "127.0.0.1"} {
		url := fmt.Sprintf("postgres://eddy:s3cret@%s:%s/eddy?sslmode=verify-full&sslrootcert=%s", host, port, ca)
		c := connectURL(t, url)
		if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
			t.Fatalf("%s: connection is not TLS", host)
		}
		if got := queryString(t, c, "SELECT 'over tls'"); got != "over tls" {
			t.Fatal(got)
		}
		out, err := psqlEnv(t, []string{"PGPASSWORD=s3cret"}, fmt.Sprintf("postgres://eddy@%s:%s/eddy?sslmode=verify-full&sslrootcert=%s", host, port, ca), "-c", `\conninfo`)
		if err != nil || !strings.Contains(out, "SSL connection") {
			t.Fatalf("psql verify-full to %s: %v: %s", host, err, out)
		}
	}
	// --tls-require refuses plaintext as a hostssl-only pg_hba.conf does.
	connectErr(t, fmt.Sprintf("postgres://eddy:s3cret@%s/eddy?sslmode=disable", addr), "28000", "no pg_hba.conf entry")
	// A certificate signed by another CA fails verification.
	other, _, _ := testCerts(t)
	if c, err := pgx.Connect(context.Background(), fmt.Sprintf("postgres://eddy:s3cret@localhost:%s/eddy?sslmode=verify-full&sslrootcert=%s", port, other)); err == nil {
		c.Close(context.Background())
		t.Fatal("verify-full accepted a certificate of an unknown CA")
	}
}

// TestCleartextOverTLS checks that --auth-method=password asks for the
// cleartext password on TLS connections only.
func TestCleartextOverTLS(t *testing.T) {
	ca, cert, key := testCerts(t)
	addr := startEddyWith(t, config{password: "s3cret", tlsCert: cert, tlsKey: key, authMethod: "password"})
	_, port, _ := net.SplitHostPort(addr)
	connectURL(t, fmt.Sprintf("postgres://eddy:s3cret@localhost:%s/eddy?sslmode=verify-full&sslrootcert=%s", port, ca))
	connectErr(t, fmt.Sprintf("postgres://eddy:wrong@localhost:%s/eddy?sslmode=verify-full&sslrootcert=%s", port, ca), "28P01", "password authentication failed")
	connectURL(t, fmt.Sprintf("postgres://eddy:s3cret@%s/eddy?sslmode=disable", addr))

	firstAuth := func(useTLS bool) pgproto3.BackendMessage {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(10 * time.Second))
		if useTLS {
			req, _ := (&pgproto3.SSLRequest{}).Encode(nil)
			if _, err := nc.Write(req); err != nil {
				t.Fatal(err)
			}
			b := make([]byte, 1)
			if _, err := io.ReadFull(nc, b); err != nil || b[0] != 'S' {
				t.Fatalf("SSLRequest answered %q, %v", b, err)
			}
			tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true})
			defer tc.Close()
			nc = tc
		}
		fe := pgproto3.NewFrontend(pgproto3.NewChunkReader(nc), nc)
		if err := fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "eddy"}}); err != nil {
			t.Fatal(err)
		}
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	if m, ok := firstAuth(true).(*pgproto3.AuthenticationCleartextPassword); !ok {
		t.Fatalf("over TLS the server asked %T, want a cleartext password", m)
	}
	if m, ok := firstAuth(false).(*pgproto3.AuthenticationSASL); !ok {
		t.Fatalf("over plaintext the server asked %T, want SASL", m)
	}
}
