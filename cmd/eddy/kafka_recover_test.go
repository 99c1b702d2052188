package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestEmbeddedKafkaCrashAbortedTxn: a transaction open when the embedded
// broker's process died is aborted on restart, and a read_committed
// consumer still gets every record the same producer commits afterwards,
// past an abort of its own in between (what a sink's abortLeftOpen does).
func TestEmbeddedKafkaCrashAbortedTxn(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	seeds, stop, err := startKafka(ctx, config{dataDir: dir, kafkaListen: "127.0.0.1:0"}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	createTopic(t, seeds, "crash_txn")
	p := txnProducer(t, seeds)
	txn(t, p, kgo.TryCommit, "c1", "c1", "c1")
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produceValues(t, p, "open", "open")
	// What a kill -9 leaves: the files as they are, no snapshot.
	crashed := filepath.Join(t.TempDir(), "crashed")
	if err := os.CopyFS(crashed, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	p.Close()
	stop()
	if _, err := os.Stat(filepath.Join(dir, cleanShutdownFile)); err != nil {
		t.Errorf("a clean stop is not recorded: %v", err)
	}

	seeds, stop, err = startKafka(ctx, config{dataDir: crashed, kafkaListen: "127.0.0.1:0"}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { stop() }()
	a := txnProducer(t, seeds)
	txn(t, a, kgo.TryAbort, "aborted")
	a.Close()
	p = txnProducer(t, seeds)
	txn(t, p, kgo.TryCommit, "c2", "c2", "c2")
	p.Close()
	want := []string{"c1", "c1", "c1", "c2", "c2", "c2"}
	if got := readCommittedValues(t, seeds, len(want)); !slices.Equal(got, want) {
		t.Errorf("read_committed after a crash: %v, want %v", got, want)
	}

	// A clean restart skips the scan and reads the same.
	stop()
	seeds, stop, err = startKafka(ctx, config{dataDir: crashed, kafkaListen: "127.0.0.1:0"}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(crashed, cleanShutdownFile)); !os.IsNotExist(err) {
		t.Errorf("a running broker still counts as cleanly stopped: %v", err)
	}
	if got := readCommittedValues(t, seeds, len(want)); !slices.Equal(got, want) {
		t.Errorf("read_committed after a clean restart: %v, want %v", got, want)
	}
}

func createTopic(t *testing.T, seeds []string, topic string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = topic
	rt.NumPartitions = 1
	rt.ReplicationFactor = 1
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(context.Background(), cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.Topics[0].ErrorCode)
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

func txnProducer(t *testing.T, seeds []string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.TransactionalID("crash-txn"),
		kgo.DefaultProduceTopic("crash_txn"), kgo.ProducerLinger(0))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func produceValues(t *testing.T, cl *kgo.Client, values ...string) {
	t.Helper()
	for _, v := range values {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func txn(t *testing.T, cl *kgo.Client, end kgo.TransactionEndTry, values ...string) {
	t.Helper()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produceValues(t, cl, values...)
	if err := cl.EndTransaction(context.Background(), end); err != nil {
		t.Fatal(err)
	}
}

// readCommittedValues reads crash_txn from its start with read_committed
// until it has n values or a minute passes (a loaded machine is slow).
func readCommittedValues(t *testing.T, seeds []string, n int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics("crash_txn"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []string
	for len(out) < n && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { out = append(out, string(r.Value)) })
	}
	return out
}
