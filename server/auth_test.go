package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgproto3/v2"
	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/sql"
)

// authEngine is a fake engine with roles.
type authEngine struct {
	*fakeEngine
	roles map[string]Role
}

func (e authEngine) LookupRole(user string) (Role, bool, error) {
	r, ok := e.roles[user]
	return r, ok, nil
}

func (e authEngine) PasswordsSet() bool {
	for _, r := range e.roles {
		if r.Password != nil {
			return true
		}
	}
	return false
}

func verifier(t *testing.T, password string) *SCRAMVerifier {
	v, err := NewSCRAMVerifier(password)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

// startAuthServer serves roles on listen ("127.0.0.1:0" or "0.0.0.0:0") and
// returns the loopback address to dial.
func startAuthServer(t *testing.T, listen string, roles map[string]Role, opts ...Option) string {
	t.Helper()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := New(authEngine{&fakeEngine{}, roles}, append([]Option{WithLogger(log)}, opts...)...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "127.0.0.1:" + port
}

func connectAs(t *testing.T, url string) error {
	t.Helper()
	c, err := pgx.Connect(testCtx(t), url)
	if err == nil {
		c.Close(context.Background())
	}
	return err
}

func wantFatal(t *testing.T, err error, code, msg string) {
	t.Helper()
	pe := pgErr(t, err)
	if pe.Code != code || pe.Severity != "FATAL" || pe.Message != msg {
		t.Fatalf("got %s %s %q, want FATAL %s %q", pe.Severity, pe.Code, pe.Message, code, msg)
	}
}

func TestSCRAMAuthentication(t *testing.T) {
	addr := startAuthServer(t, "127.0.0.1:0", map[string]Role{
		"eddy":    {CanLogin: true, Password: verifier(t, "pencil")},
		"nologin": {Password: verifier(t, "pencil")},
		"nopass":  {CanLogin: true},
	})
	url := func(user, pw string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/db?sslmode=disable", user, pw, addr)
	}
	if err := connectAs(t, url("eddy", "pencil")); err != nil {
		t.Fatal(err)
	}
	wantFatal(t, connectAs(t, url("eddy", "pen")), sql.CodeInvalidPassword, `password authentication failed for user "eddy"`)
	wantFatal(t, connectAs(t, url("ghost", "pencil")), sql.CodeInvalidPassword, `password authentication failed for user "ghost"`)
	wantFatal(t, connectAs(t, url("nopass", "")), sql.CodeInvalidPassword, `password authentication failed for user "nopass"`)
	wantFatal(t, connectAs(t, url("nologin", "pencil")), sql.CodeInvalidAuthorization, `role "nologin" is not permitted to log in`)
}

func TestTrustOnlyOnLoopback(t *testing.T) {
	roles := map[string]Role{"eddy": {CanLogin: true}}
	loop := startAuthServer(t, "127.0.0.1:0", roles)
	if err := connectAs(t, fmt.Sprintf("postgres://eddy@%s/db?sslmode=disable", loop)); err != nil {
		t.Fatal(err)
	}
	wantFatal(t, connectAs(t, fmt.Sprintf("postgres://ghost@%s/db?sslmode=disable", loop)),
		sql.CodeInvalidAuthorization, `role "ghost" does not exist`)
	// A listener reachable from other hosts does not trust, even a client
	// that happens to come over loopback.
	open := startAuthServer(t, "0.0.0.0:0", roles)
	wantFatal(t, connectAs(t, fmt.Sprintf("postgres://eddy@%s/db?sslmode=disable", open)),
		sql.CodeInvalidPassword, `password authentication failed for user "eddy"`)
	insecure := startAuthServer(t, "0.0.0.0:0", roles, WithInsecure())
	if err := connectAs(t, fmt.Sprintf("postgres://eddy@%s/db?sslmode=disable", insecure)); err != nil {
		t.Fatal(err)
	}
}

func TestSCRAMVerifierFormat(t *testing.T) {
	v := verifier(t, "pencil")
	w, ok := ParseSCRAMVerifier(v.String())
	if !ok || w.String() != v.String() || !w.matchesPassword("pencil") || w.matchesPassword("pen") {
		t.Fatalf("round trip of %s failed", v)
	}
	// RFC 7677's example: user "user", password "pencil".
	salt := []byte{0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e, 0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81}
	x := &scramExchange{v: mustVerifier(t, "pencil", salt)}
	x.gs2Header = "n,,"
	x.clientFirst = "n=user,r=rOprNGfwEbeRWgbNEkqO"
	x.nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	x.serverFirst = "r=" + x.nonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	reply, ok, err := x.final("c=biws,r=" + x.nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
	if err != nil || !ok || reply != "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=" {
		t.Fatalf("RFC 7677 example: %q %v %v", reply, ok, err)
	}
}

func mustVerifier(t *testing.T, pw string, salt []byte) *SCRAMVerifier {
	v, err := scramVerifier(pw, salt, SCRAMIterations)
	if err != nil {
		t.Fatal(err)
	}
	return &v
}

func testTLSConfig(t *testing.T) (server *tls.Config, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, roots
}

func TestTLSAndCleartextPassword(t *testing.T) {
	srvTLS, roots := testTLSConfig(t)
	addr := startAuthServer(t, "127.0.0.1:0", map[string]Role{"eddy": {CanLogin: true, Password: verifier(t, "pencil")}},
		WithTLS(srvTLS), WithTLSRequired(), WithCleartextPasswordOverTLS())
	connectTLS := func(pw string) error {
		cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://eddy:%s@%s/db?sslmode=require", pw, addr))
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLSConfig = &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
		cfg.Fallbacks = nil
		c, err := pgx.ConnectConfig(testCtx(t), cfg)
		if err == nil {
			if _, ok := c.PgConn().Conn().(*tls.Conn); !ok {
				t.Error("connection is not TLS")
			}
			c.Close(context.Background())
		}
		return err
	}
	if err := connectTLS("pencil"); err != nil {
		t.Fatal(err)
	}
	wantFatal(t, connectTLS("pen"), sql.CodeInvalidPassword, `password authentication failed for user "eddy"`)
	err := connectAs(t, fmt.Sprintf("postgres://eddy:pencil@%s/db?sslmode=disable", addr))
	if pe := pgErr(t, err); pe.Code != sql.CodeInvalidAuthorization || !strings.HasPrefix(pe.Message, "no pg_hba.conf entry for host") {
		t.Fatalf("plaintext with TLS required: %v", err)
	}
}

// TestTLSInjectedBytes checks CVE-2021-23214: bytes sent in plaintext right
// after SSLRequest must never be taken as protocol messages.
func TestTLSInjectedBytes(t *testing.T) {
	srvTLS, _ := testTLSConfig(t)
	addr := startAuthServer(t, "127.0.0.1:0", map[string]Role{"eddy": {CanLogin: true}}, WithTLS(srvTLS))
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	buf, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	buf, _ = (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "eddy"}}).Encode(buf)
	if _, err := nc.Write(buf); err != nil {
		t.Fatal(err)
	}
	reply, _ := io.ReadAll(nc)
	if len(reply) == 0 || reply[0] != 'S' {
		t.Fatalf("SSLRequest answered %q", reply)
	}
	if strings.Contains(string(reply[1:]), "R\x00\x00\x00\x08") {
		t.Fatalf("the server authenticated a startup message sent outside TLS: %q", reply)
	}
}
