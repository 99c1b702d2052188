package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkSourceScan compares a batch aggregate over a source with what a
// plain franz-go consumer needs to read and JSON-decode the same records:
// the gap is eddy's overhead (SQL values, operators, the wire).
//
//	go test ./cmd/eddy -run '^$' -bench SourceScan -benchtime 3x
//
// EDDY_SOURCE_BENCH_N sets the record count (default 1,000,000).
func BenchmarkSourceScan(b *testing.B) {
	if testing.Short() {
		b.Skip("produces a million records")
	}
	n := 1_000_000
	if v := os.Getenv("EDDY_SOURCE_BENCH_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatalf("EDDY_SOURCE_BENCH_N=%q: %v", v, err)
		}
	}
	const parts = 4
	c, seeds := startEddyKafka(b)
	if _, err := c.Exec(context.Background(), `CREATE SOURCE src (id BIGINT, auction BIGINT, price BIGINT, channel TEXT, url TEXT)
		WITH (topic = 'src', partitions = '4')`); err != nil {
		b.Fatal(err)
	}
	var wantSum int64
	{
		cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
			kgo.ProducerBatchMaxBytes(1<<20), kgo.MaxBufferedRecords(100_000))
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		for i := range n {
			price := int64(i % 10_000)
			wantSum += price
			v := fmt.Sprintf(`{"id": %d, "auction": %d, "price": %d, "channel": "channel-%d", "url": "https://example.com/a/%d"}`,
				i, i%1000, price, i%7, i)
			cl.Produce(ctx, &kgo.Record{Topic: "src", Partition: int32(i % parts), Value: []byte(v)}, func(_ *kgo.Record, err error) {
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
	want := fmt.Sprintf("%d|%d", n, wantSum)

	b.Run("eddy", func(b *testing.B) {
		for b.Loop() {
			got := queryRows(b, c, `SELECT count(*), sum(price)::text FROM src`)
			if len(got) != 1 || got[0] != want {
				b.Fatalf("got %q, want %s", got, want)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("franz-go", func(b *testing.B) {
		for b.Loop() {
			count, sum := plainConsume(b, seeds, "src", parts, n)
			if got := fmt.Sprintf("%d|%d", count, sum); got != want {
				b.Fatalf("got %s, want %s", got, want)
			}
		}
		b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

// plainConsume is the baseline: one client reading every partition from
// the start and decoding each value with encoding/json into a struct.
func plainConsume(b *testing.B, seeds []string, topic string, parts int32, n int) (int64, int64) {
	assign := map[int32]kgo.Offset{}
	for p := range parts {
		assign[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}),
		kgo.FetchMaxPartitionBytes(8<<20), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var count, sum int64
	for count < int64(n) {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			b.Fatal(err)
		}
		var rec struct {
			ID      int64  `json:"id"`
			Auction int64  `json:"auction"`
			Price   int64  `json:"price"`
			Channel string `json:"channel"`
			URL     string `json:"url"`
		}
		for it := fs.RecordIter(); !it.Done(); {
			if err := json.Unmarshal(it.Next().Value, &rec); err != nil {
				b.Fatal(err)
			}
			count++
			sum += rec.Price
		}
	}
	return count, sum
}
