package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

// readDeadline makes reads of rs's connection fail after d, until the
// returned function is called.
func readDeadline(rs pgx.Rows, d time.Duration) func() {
	nc := rs.Conn().PgConn().Conn()
	nc.SetReadDeadline(time.Now().Add(d))
	return func() { nc.SetReadDeadline(time.Time{}) }
}

// TestSubscribeStartsAtStatement: a subscription without a snapshot gets
// every change made once the statement has answered with its columns,
// even one made at once. (It used to fix where it started only when the
// server asked it for its first row, after sending the columns: a record
// produced or a row inserted in between was never seen, and the
// subscription waited for it for ever.)
func TestSubscribeStartsAtStatement(t *testing.T) {
	w, seeds := startEddyKafka(t)
	c := cancelingConn(t, w)
	mustExec(t, c, `CREATE SOURCE ev (id BIGINT, name TEXT, sent BIGINT) WITH (topic = 'ev', partitions = '2')`)
	mustExec(t, c, `CREATE TABLE acct (id BIGINT PRIMARY KEY, bal BIGINT)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW big AS SELECT id, bal FROM acct WHERE bal > 10`)
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produce := func(id int) {
		r := &kgo.Record{Topic: "ev", Partition: int32(id % 2), Value: []byte(evRecords(id, id)[0])}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	produce(0) // the client knows the topic: the next produces are quick
	for i := 1; i <= 20; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		rs, err := c.Query(ctx, fmt.Sprintf(`SUBSCRIBE (SELECT id FROM ev WHERE id = %d) WITH (snapshot = false)`, i),
			pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatal(err)
		}
		produce(i)
		if got := readSub(t, rs, 1); got[0] != fmt.Sprintf("1|%d", i) {
			t.Errorf("source subscription %d: got %q", i, got)
		}
		cancel()
		rs.Close()

		ctx, cancel = context.WithCancel(context.Background())
		rs, err = c.Query(ctx, fmt.Sprintf(`SUBSCRIBE (SELECT id FROM big WHERE id = %d) WITH (snapshot = false)`, i),
			pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, w, fmt.Sprintf(`INSERT INTO acct VALUES (%d, 100)`, i))
		if got := readSub(t, rs, 1); got[0] != fmt.Sprintf("1|%d", i) {
			t.Errorf("view subscription %d: got %q", i, got)
		}
		cancel()
		rs.Close()
	}
}
