package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kfake"
)

// startBroker runs a one-broker kfake cluster on port, keeping its log in
// dir so that a new one started over dir has the same topics and records.
func startBroker(t *testing.T, port int, dir string) *kfake.Cluster {
	t.Helper()
	var kf *kfake.Cluster
	var err error
	// The port of a closed broker may take a moment to be free again.
	for range 50 {
		kf, err = kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port), kfake.DataDir(dir), kfake.ClusterID("ext"))
		if err == nil {
			return kf
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("kfake on port %d: %v", port, err)
	return nil
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startEddyExternal runs eddy against the Kafka cluster at broker.
func startEddyExternal(t *testing.T, broker string) *pgx.Conn {
	t.Helper()
	c, _, _ := startEddyConfig(t, config{dataDir: t.TempDir(), kafka: broker})
	return c
}

// TestBrokerFailure: while the Kafka cluster is away, queries that need it
// fail promptly with a 58000 error that names Kafka, and what eddy holds
// (views, topic tables) still answers; once a broker with the same log is
// back, views and topic tables catch up with nothing lost or counted twice.
func TestBrokerFailure(t *testing.T) {
	if testing.Short() {
		t.Skip("waits out Kafka request timeouts")
	}
	port, kdir := freePort(t), t.TempDir()
	broker := fmt.Sprintf("127.0.0.1:%d", port)
	kf := startBroker(t, port, kdir)
	defer func() { kf.Close() }()
	seeds := []string{broker}
	c := startEddyExternal(t, broker)

	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	mustExec(t, c, `CREATE TABLE person (id BIGINT PRIMARY KEY, name TEXT) WITH (topic = 'person')`)
	bids(t, seeds, 0, 300)
	mustExec(t, c, `CREATE MATERIALIZED VIEW hot AS `+bidView)
	mustExec(t, c, `CREATE MATERIALIZED VIEW names AS SELECT count(*) AS n FROM person`)
	bids(t, seeds, 300, 300)
	produceKeyed(t, seeds, "person", 0, kv{"1", `{"name": "ann"}`}, kv{"2", `{"name": "bo"}`})
	eventually(t, c, `SELECT * FROM hot ORDER BY 1`, bidView+` ORDER BY 1`)
	waitRows(t, c, `SELECT n FROM names`, "2")

	kf.Close()
	start := time.Now()
	_, err := c.Exec(context.Background(), `SELECT count(*) FROM bid`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "58000" || !strings.Contains(pe.Message, "Kafka") {
		t.Fatalf("SELECT over a source with the broker down: %v, want 58000 naming Kafka", err)
	}
	if d := time.Since(start); d > 25*time.Second {
		t.Errorf("the failing SELECT took %s", d)
	}
	t.Logf("with the broker down: %s after %s", pe.Message, time.Since(start).Round(time.Millisecond))
	// What eddy stores answers without Kafka.
	wantRows(t, c, `SELECT sum(count)::int8 FROM hot`, "600")
	wantRows(t, c, `SELECT id, name FROM person ORDER BY id`, "1|ann", "2|bo")

	kf = startBroker(t, port, kdir)
	bids(t, seeds, 600, 300)
	produceKeyed(t, seeds, "person", 0, kv{"3", `{"name": "cy"}`}, tomb("1"))
	eventually(t, c, `SELECT * FROM hot ORDER BY 1`, bidView+` ORDER BY 1`)
	wantRows(t, c, `SELECT sum(count)::int8, sum(sum)::int8 FROM hot`, "900|404550")
	waitRows(t, c, `SELECT id, name FROM person ORDER BY id`, "2|bo", "3|cy")
	waitRows(t, c, `SELECT n FROM names`, "2")
}
