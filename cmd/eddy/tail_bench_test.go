package main

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/eddysql/eddy/cmd/internal/nexmark"
)

// BenchmarkTailCheckpoints measures what checkpoints cost a view that
// tails its sources, as opposed to loading them at CREATE (whose epochs
// are snapshot chunks whatever the interval): each Nexmark query's view is
// created over empty topics, eddy stops, the events go into the broker
// (in process, outliving eddy), and the time is from eddy's restart over
// its data dir (on disk, synced commits) to the moment the view's lag is
// 0. epoch=0 checkpoints every poll; epoch=1s gathers a second of polls
// (or 64K rows) per checkpoint, the baseline:
//
//	go test ./cmd/eddy -run '^$' -bench 'TailCheckpoints' -benchtime 3x
//
// EDDY_NEXMARK_EVENTS sets the event count (default 200,000),
// EDDY_TAIL_QUERIES the queries (default q0,q4,q5,q7).
func BenchmarkTailCheckpoints(b *testing.B) {
	events := int64(200_000)
	if v := os.Getenv("EDDY_NEXMARK_EVENTS"); v != "" {
		var err error
		if events, err = strconv.ParseInt(v, 10, 64); err != nil {
			b.Fatalf("EDDY_NEXMARK_EVENTS=%q: %v", v, err)
		}
	}
	names := []string{"q0", "q4", "q5", "q7"}
	if v := os.Getenv("EDDY_TAIL_QUERIES"); v != "" {
		names = strings.Split(v, ",")
	}
	srcs, err := nexmark.LoadSources(nexmarkDir)
	if err != nil {
		b.Fatal(err)
	}
	queries, err := nexmark.LoadQueries(nexmarkDir)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range queries {
		if !slices.Contains(names, q.Name) {
			continue
		}
		for _, interval := range []time.Duration{0, time.Second} {
			b.Run(q.Name+"/epoch="+interval.String(), func(b *testing.B) {
				for b.Loop() {
					b.StopTimer()
					cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(2))
					if err != nil {
						b.Fatal(err)
					}
					seeds := cluster.ListenAddrs()
					cfg := config{dataDir: b.TempDir(), kafka: strings.Join(seeds, ","), epochInterval: interval}
					c, _, stop := startEddyConfig(b, cfg)
					for _, s := range srcs {
						if _, err := c.Exec(ctx, s); err != nil {
							b.Fatal(err)
						}
					}
					if _, err := c.Exec(ctx, q.Create); err != nil {
						b.Fatal(err)
					}
					stop()
					if _, err := nexmark.Produce(ctx, nexmark.GenConfig{Seeds: seeds, Events: events, Seed: 1,
						Base: nexmark.DefaultBaseTime, Partitions: 2}); err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					c, _, stop = startEddyConfig(b, cfg)
					lagging := `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE name = '` + q.Name + `' AND (lag IS NULL OR lag > 0)`
					for queryRows(b, c, lagging)[0] != "0" {
						time.Sleep(5 * time.Millisecond)
					}
					b.StopTimer()
					stop()
					cluster.Close()
					b.StartTimer()
				}
				b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}
