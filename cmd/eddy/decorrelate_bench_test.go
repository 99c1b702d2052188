package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// BenchmarkCorrelatedExists runs one correlated EXISTS over two tables of
// decorBenchRows rows, per outer row (as batch queries run it) and
// decorrelated into a hash semi join (SET eddy_decorrelate = on, as a
// materialized view would run it):
//
//	go test -run '^$' -bench CorrelatedExists -benchtime 3x ./cmd/eddy/
func BenchmarkCorrelatedExists(b *testing.B) {
	const decorBenchRows = 10_000
	ctx := context.Background()
	url := fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", startEddyWith(b, config{}))
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	// No keys: each per-row evaluation scans inner, as PostgreSQL would
	// without an index.
	for _, q := range []string{"CREATE TABLE outer_t (id BIGINT, k BIGINT)", "CREATE TABLE inner_t (id BIGINT, k BIGINT)"} {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	for _, t := range []struct {
		name string
		k    func(int) int
	}{{"outer_t", func(i int) int { return i % 5000 }}, {"inner_t", func(i int) int { return i * 7 % 20000 }}} {
		for lo := 0; lo < decorBenchRows; lo += 1000 {
			var sb strings.Builder
			sb.WriteString("INSERT INTO " + t.name + " VALUES ")
			for i := lo; i < lo+1000; i++ {
				if i > lo {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, "(%d,%d)", i, t.k(i))
			}
			if _, err := conn.Exec(ctx, sb.String()); err != nil {
				b.Fatal(err)
			}
		}
	}
	const q = "SELECT count(*) FROM outer_t o WHERE EXISTS (SELECT 1 FROM inner_t i WHERE i.k = o.k)"
	var want int64 = -1
	for _, mode := range []string{"off", "on"} {
		name := map[string]string{"off": "per_row", "on": "decorrelated"}[mode]
		b.Run(name, func(b *testing.B) {
			if _, err := conn.Exec(ctx, "SET eddy_decorrelate = "+mode); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				var n int64
				// The simple protocol plans the query at each run: a
				// statement pgx prepared and cached keeps the plan made
				// under the setting of its Parse.
				if err := conn.QueryRow(ctx, q, pgx.QueryExecModeSimpleProtocol).Scan(&n); err != nil {
					b.Fatal(err)
				}
				if want < 0 {
					want = n
				} else if n != want {
					b.Fatalf("count %d, want %d as the other mode", n, want)
				}
			}
		})
	}
}
