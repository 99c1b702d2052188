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
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
)

// selfSigned makes a certificate for 127.0.0.1 and writes it (the CA too)
// to dir.
func selfSigned(t *testing.T, dir string) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kafka"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, ca
}

// runAgainst starts eddy on a cluster with cfg's Kafka flags; it returns
// the connection, or the error eddy stopped with.
func runAgainst(t *testing.T, cfg config) (*pgx.Conn, error) {
	t.Helper()
	cfg.dataDir, cfg.listen, cfg.maxConnections = t.TempDir(), "127.0.0.1:0", 10
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan endpoints, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), ready) }()
	select {
	case ep := <-ready:
		c, err := pgx.Connect(context.Background(), "postgres://eddy@"+ep.SQL+"/eddy?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c.Close(context.Background())
			cancel()
			<-done
		})
		return c, nil
	case err := <-done:
		cancel()
		return nil, err
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("eddy did not start in 60s")
	}
	return nil, nil
}

func TestKafkaSASLAndTLS(t *testing.T) {
	cert, ca := selfSigned(t, t.TempDir())
	kf, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.EnableSASL(),
		kfake.Superuser("SCRAM-SHA-256", "eddy", "s3cret"),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}}))
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	brokers := strings.Join(kf.ListenAddrs(), ",")
	base := config{kafka: brokers, kafkaSASLMechanism: "SCRAM-SHA-256", kafkaSASLUser: "eddy", kafkaSASLPassword: "s3cret", kafkaTLSCA: ca}

	c, err := runAgainst(t, base)
	if err != nil {
		t.Fatalf("eddy over SASL and TLS: %v", err)
	}
	mustExec(t, c, `CREATE SOURCE ev (id INT) WITH (topic = 'ev')`)
	mustExec(t, c, `INSERT INTO ev VALUES (1), (2)`)
	wantRows(t, c, `SELECT sum(id)::int8 FROM ev`, "3")
	mustExec(t, c, `CREATE MATERIALIZED VIEW n AS SELECT count(*) FROM ev`)
	mustExec(t, c, `INSERT INTO ev VALUES (3)`)
	eventually(t, c, `SELECT * FROM n`, `SELECT count(*) FROM ev`)

	// A wrong password, no TLS, or a certificate from no trusted CA stops
	// eddy at startup, naming --kafka.
	for name, cfg := range map[string]config{
		"password": {kafka: brokers, kafkaSASLMechanism: "SCRAM-SHA-256", kafkaSASLUser: "eddy", kafkaSASLPassword: "wrong", kafkaTLSCA: ca},
		"no tls":   {kafka: brokers, kafkaSASLMechanism: "SCRAM-SHA-256", kafkaSASLUser: "eddy", kafkaSASLPassword: "s3cret"},
		"untrusted": {kafka: brokers, kafkaSASLMechanism: "SCRAM-SHA-256", kafkaSASLUser: "eddy", kafkaSASLPassword: "s3cret",
			kafkaTLS: true},
	} {
		if _, err := runAgainst(t, cfg); err == nil || !strings.Contains(err.Error(), "kafka") {
			t.Errorf("%s: eddy started or failed without naming Kafka: %v", name, err)
		}
	}
	if _, err := runAgainst(t, config{kafkaListen: "127.0.0.1:0", kafkaTLS: true}); err == nil {
		t.Error("--kafka-tls with the embedded broker was accepted")
	}
}
