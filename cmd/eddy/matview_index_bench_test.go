package main

import (
	"context"
	"math/rand/v2"
	"testing"
)

// BenchmarkMatViewIndexLookup looks rows of a view of kv (EDDY_BENCH_ROWS
// rows, default 1,000,000) up by val, a column that is not the view's key:
// "scan" without an index, "index" with one. Divide the two lookups/s of
// one run, e.g.
//
//	go test -run '^$' -bench MatViewIndexLookup -benchtime 10x ./cmd/eddy/
func BenchmarkMatViewIndexLookup(b *testing.B) {
	url := target(b, "eddy")
	setup := benchConnect(b, url)
	ctx := context.Background()
	if _, err := setup.Exec(ctx, "CREATE MATERIALIZED VIEW IF NOT EXISTS kv_view AS SELECT id, grp, val, name FROM kv"); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct{ name, ddl string }{
		{"scan", "DROP INDEX IF EXISTS kv_view_val"},
		{"index", "CREATE INDEX IF NOT EXISTS kv_view_val ON kv_view (val)"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			if _, err := setup.Exec(ctx, tc.ddl); err != nil {
				b.Fatal(err)
			}
			conn := benchConnect(b, url)
			if _, err := conn.Prepare(ctx, "lookup", "SELECT id, name FROM kv_view WHERE val = $1"); err != nil {
				b.Fatal(err)
			}
			n := benchRows()
			rng := rand.New(rand.NewPCG(3, 4))
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
