package main

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/eddysql/eddy/cmd/internal/nexmark"
)

// BenchmarkNexmark runs each Nexmark query as a materialized view over the
// generator's events, in process, from CREATE to the moment the view's lag
// is 0; a view is dropped and created again for each iteration. It is the
// in-process twin of `eddy nexmark bench`, there for profiles:
//
//	go test ./cmd/eddy -run '^$' -bench 'Nexmark/q5$' -benchtime 1x -cpuprofile /tmp/q5.prof
//
// EDDY_NEXMARK_EVENTS sets the event count (default 100,000).
func BenchmarkNexmark(b *testing.B) {
	events := int64(100_000)
	if v := os.Getenv("EDDY_NEXMARK_EVENTS"); v != "" {
		var err error
		if events, err = strconv.ParseInt(v, 10, 64); err != nil {
			b.Fatalf("EDDY_NEXMARK_EVENTS=%q: %v", v, err)
		}
	}
	c, seeds := startEddyKafka(b)
	ctx := context.Background()
	srcs, err := nexmark.LoadSources(nexmarkDir)
	if err != nil {
		b.Fatal(err)
	}
	queries, err := nexmark.LoadQueries(nexmarkDir)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := nexmark.Produce(ctx, nexmark.GenConfig{Seeds: seeds, Events: events, Seed: 1,
		Base: nexmark.DefaultBaseTime, Partitions: 2}); err != nil {
		b.Fatal(err)
	}
	for _, s := range srcs {
		if _, err := c.Exec(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range queries {
		b.Run(q.Name, func(b *testing.B) {
			lagging := `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE name = '` + q.Name + `' AND (lag IS NULL OR lag > 0)`
			for b.Loop() {
				if _, err := c.Exec(ctx, q.Create); err != nil {
					b.Fatal(err)
				}
				for queryRows(b, c, lagging)[0] != "0" {
					time.Sleep(5 * time.Millisecond)
				}
				b.StopTimer()
				if _, err := c.Exec(ctx, `DROP MATERIALIZED VIEW `+q.Name); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
