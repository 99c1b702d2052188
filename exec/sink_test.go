package exec

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// countCommitted waits until topic holds want committed records and checks
// that no more arrive.
func countCommitted(t *testing.T, seeds []string, topic string, want int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	n := 0
	deadline := time.Now().Add(10 * time.Second)
	var settled time.Time
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		n += cl.PollFetches(ctx).NumRecords()
		cancel()
		if n > want {
			t.Fatalf("topic %s: %d records, want %d", topic, n, want)
		}
		if n == want {
			if settled.IsZero() {
				settled = time.Now()
			} else if time.Since(settled) > 500*time.Millisecond {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("topic %s: %d records, want %d", topic, n, want)
		}
	}
}

// TestSinkCrashAfterKafkaCommit: entries left in the queue by a crash
// between the Kafka commit and the queue's trim are not produced again.
func TestSinkCrashAfterKafkaCommit(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	seeds := kc.ListenAddrs()
	e, err := Open("", nil, WithKafka(seeds))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	si, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*Session)
	query(t, s, `CREATE TABLE t (id INT PRIMARY KEY, v INT)`)
	query(t, s, `INSERT INTO t SELECT g, g FROM generate_series(1, 10) g`)
	query(t, s, `CREATE MATERIALIZED VIEW mv AS SELECT id, v FROM t`)
	query(t, s, `CREATE SINK k FROM mv WITH (topic = 'k', envelope = 'upsert', partitions = '2')`)
	for i := 11; i <= 20; i++ {
		query(t, s, fmt.Sprintf(`INSERT INTO t VALUES (%d, %d)`, i, i))
	}
	countCommitted(t, seeds, "k", 20)

	sink := e.cat.Lookup("", "k")
	e.stopSinks([]uint32{sink.OID}, false)
	// Put back the last two entries, as if the trim after their Kafka
	// commit had not happened.
	txn := e.db.NewTransaction(true)
	item, err := txn.Get(sinkSeqKey(sink.OID))
	if err != nil {
		t.Fatal(err)
	}
	v, _ := item.ValueCopy(nil)
	last := binary.BigEndian.Uint64(v)
	for seq := last - 1; seq <= last; seq++ {
		row := sql.Row{sql.NewInt(int64(seq)), sql.NewInt(0)}
		if err := txn.Set(sinkQueueKey(sink.OID, seq), encodeChanges([]sql.Row{row}, []int64{1})); err != nil {
			t.Fatal(err)
		}
	}
	if err := txn.Commit(); err != nil {
		t.Fatal(err)
	}
	e.startSinks()
	query(t, s, `INSERT INTO t VALUES (21, 21)`)
	countCommitted(t, seeds, "k", 21)
	// The queue is empty once produced.
	time.Sleep(100 * time.Millisecond)
	rtx := e.db.NewTransaction(false)
	defer rtx.Discard()
	it := rtx.NewIterator(badgerPrefix(append(catalog.ObjectPrefix(catalog.PrefixState, sink.OID), 0)))
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		t.Errorf("queue entry left: %x", it.Item().Key())
	}
}

func badgerPrefix(p []byte) badger.IteratorOptions {
	return badger.IteratorOptions{Prefix: p}
}

// TestSinkFlowStoresNoRows: a sink of a query keeps no rows of its own,
// and once its queue is produced, no more than its sequence number.
func TestSinkFlowStoresNoRows(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	seeds := kc.ListenAddrs()
	e, err := Open("", nil, WithKafka(seeds))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	si, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	s := si.(*Session)
	query(t, s, `CREATE TABLE t (id INT PRIMARY KEY, v INT)`)
	query(t, s, `INSERT INTO t SELECT g, g FROM generate_series(1, 10) g`)
	query(t, s, `CREATE SINK k FROM (SELECT id, v * 2 AS w FROM t WHERE v > 0) WITH (topic = 'k', envelope = 'upsert')`)
	for i := 11; i <= 20; i++ {
		query(t, s, fmt.Sprintf(`INSERT INTO t VALUES (%d, %d)`, i, i))
	}
	countCommitted(t, seeds, "k", 20)
	sink := e.cat.Lookup("", "k")
	if got := sink.PrimaryKey; len(got) != 1 || got[0] != 0 {
		t.Errorf("sink key: %v, want [0]", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var keys []string
		err := e.db.View(func(txn *badger.Txn) error {
			for _, p := range [][]byte{catalog.ObjectPrefix(catalog.PrefixRows, sink.OID), catalog.ObjectPrefix(catalog.PrefixState, sink.OID)} {
				it := txn.NewIterator(badgerPrefix(p))
				for it.Rewind(); it.Valid(); it.Next() {
					keys = append(keys, fmt.Sprintf("%x", it.Item().Key()))
				}
				it.Close()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("%x", flowSinkSeqKey(sink.OID))
		if len(keys) == 1 && keys[0] == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink keys %v, want only its sequence number %s", keys, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
