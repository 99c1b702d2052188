package main

import (
	"context"
	"math/rand/v2"
	"testing"
)

// BenchmarkTableIndexLookup looks rows of the table kv (EDDY_BENCH_ROWS
// rows, default 1,000,000) up by val, a column that is not its key:
// eddy "scan" without an index, eddy "index" with one, and PostgreSQL
// with the same index when EDDY_BENCH_PG is set. A lookup by scan takes
// about a second at 1M rows, so give a time, not a count, e.g.
//
//	EDDY_BENCH_PG=postgres://root:x@127.0.0.1:5432/slt \
//	    go test -run '^$' -bench TableIndexLookup -benchtime 5s ./cmd/eddy/
func BenchmarkTableIndexLookup(b *testing.B) {
	for _, tc := range []struct{ name, server, ddl string }{
		{"eddy/scan", "eddy", "DROP INDEX IF EXISTS kv_val"},
		{"eddy/index", "eddy", "CREATE INDEX IF NOT EXISTS kv_val ON kv (val)"},
		{"postgres/index", "postgres", "CREATE INDEX IF NOT EXISTS kv_val ON kv (val)"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			url := target(b, tc.server)
			conn := benchConnect(b, url)
			ctx := context.Background()
			if _, err := conn.Exec(ctx, tc.ddl); err != nil {
				b.Fatal(err)
			}
			if tc.server == "postgres" {
				// The other benchmarks measure PostgreSQL's table as loaded.
				b.Cleanup(func() { _, _ = conn.Exec(context.Background(), "DROP INDEX IF EXISTS kv_val") })
				if _, err := conn.Exec(ctx, "ANALYZE kv"); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := conn.Prepare(ctx, "lookup", "SELECT id, name FROM kv WHERE val = $1"); err != nil {
				b.Fatal(err)
			}
			n := benchRows()
			// The same values on every server, so each does the same work.
			rng := rand.New(rand.NewPCG(5, 6))
			var id int
			var nm string
			iters := 0
			for b.Loop() {
				iters++
				want := 1 + rng.IntN(n)
				if err := conn.QueryRow(ctx, "lookup", benchVal(want)).Scan(&id, &nm); err != nil {
					b.Fatalf("val %d: %v", benchVal(want), err)
				}
				if id != want {
					b.Fatalf("val %d: id %d, want %d", benchVal(want), id, want)
				}
			}
			b.ReportMetric(float64(iters)/b.Elapsed().Seconds(), "lookups/s")
		})
	}
}
