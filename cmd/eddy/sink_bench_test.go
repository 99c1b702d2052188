package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkSinkSource compares a sink of a filtered source, which runs a
// dataflow of its own and stores no rows, with the way it had to be done
// before: a materialized view of the query (which stores every row) and a
// sink of the view. Each iteration creates the sink over records already
// in the topic and waits until a read_committed consumer has all of them.
//
//	go test ./cmd/eddy -run '^$' -bench SinkSource -benchtime 3x
//
// EDDY_SINK_BENCH_N sets the record count (default 200,000).
func BenchmarkSinkSource(b *testing.B) {
	if testing.Short() {
		b.Skip("produces 200,000 records")
	}
	n := 200_000
	if v := os.Getenv("EDDY_SINK_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("EDDY_SINK_BENCH_N=%q: %v", v, err)
		}
	}
	c, seeds, _ := startEddyDir(b, b.TempDir())
	benchExec(b, c, `CREATE SOURCE src (id BIGINT, auction BIGINT, price BIGINT) WITH (topic = 'src', partitions = '4')`)
	{
		cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ProducerBatchMaxBytes(1<<20), kgo.MaxBufferedRecords(100_000))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		for i := range n {
			v := fmt.Sprintf(`{"id": %d, "auction": %d, "price": %d}`, i, i%1000, i%10_000)
			cl.Produce(ctx, &kgo.Record{Topic: "src", Value: []byte(v)}, func(_ *kgo.Record, err error) {
				if err != nil {
					b.Errorf("produce: %v", err)
				}
			})
		}
		if err := cl.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		cl.Close()
	}
	const query = `SELECT id, price FROM src WHERE price >= 0`
	run := func(b *testing.B, create func(i int) []string, drop func(i int) []string) {
		i := 0
		for b.Loop() {
			for _, q := range create(i) {
				benchExec(b, c, q)
			}
			countTopic(b, seeds, fmt.Sprintf("out%d", i), n)
			b.StopTimer()
			for _, q := range drop(i) {
				benchExec(b, c, q)
			}
			b.StartTimer()
			i++
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("sink", func(b *testing.B) {
		run(b, func(i int) []string {
			return []string{fmt.Sprintf(`CREATE SINK s%d FROM (%s) WITH (topic = 'out%d')`, i, query, i)}
		}, func(i int) []string { return []string{fmt.Sprintf(`DROP SINK s%d`, i)} })
	})
	b.Run("view+sink", func(b *testing.B) {
		run(b, func(i int) []string {
			return []string{fmt.Sprintf(`CREATE MATERIALIZED VIEW v%d AS %s`, i, query),
				fmt.Sprintf(`CREATE SINK s%d FROM v%d WITH (topic = 'out%d')`, i, i, i)}
		}, func(i int) []string { return []string{fmt.Sprintf(`DROP MATERIALIZED VIEW v%d CASCADE`, i)} })
	})
}

// countTopic waits until topic holds n committed records.
func countTopic(b *testing.B, seeds []string, topic string, n int) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxPartitionBytes(8<<20), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	got := 0
	for got < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			b.Fatalf("topic %s: %d records of %d: %v", topic, got, n, err)
		}
		got += fs.NumRecords()
	}
	if got != n {
		b.Fatalf("topic %s: %d records, want %d", topic, got, n)
	}
}

func benchExec(b *testing.B, c *pgx.Conn, q string) {
	b.Helper()
	if _, err := c.Exec(context.Background(), q); err != nil {
		b.Fatalf("%s: %v", q, err)
	}
}
