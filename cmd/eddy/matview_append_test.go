package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestAppendOnlyViews: views that only ever insert (filters, projections
// and UNION ALL over sources and over such views) store their rows by
// number; their rows, duplicates included, equal the batch query's before
// and after a restart, and views downstream of them (stateful or not) are
// maintained from their changes.
func TestAppendOnlyViews(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	dupBids := func(from, n int) {
		vals := make([]string, n)
		for i := range vals {
			id := from + i
			vals[i] = fmt.Sprintf(`{"auction": %d, "price": %d}`, id%7, id%5)
		}
		produceTo(t, seeds, "bid", 3, vals...)
	}
	dupBids(0, 300)
	views := []struct{ name, query string }{
		{"cheap", `SELECT auction, price FROM bid WHERE price < 4`},
		{"mixed", `SELECT auction, price FROM cheap UNION ALL SELECT auction, price FROM bid WHERE auction = 1`},
		{"per_auction", `SELECT auction, count(*) AS n FROM cheap GROUP BY auction`},
		{"series", `SELECT auction, g FROM cheap, generate_series(1, price) AS g WHERE auction < 3`},
	}
	for _, v := range views {
		mustExec(t, c, `CREATE MATERIALIZED VIEW `+v.name+` AS `+v.query)
	}
	check := func() {
		t.Helper()
		for _, v := range views {
			eventually(t, c, `SELECT * FROM `+v.name+` ORDER BY 1, 2`, v.query+` ORDER BY 1, 2`)
		}
	}
	dupBids(300, 300)
	check()
	// 600 bids, prices 0-4 evenly: 480 cheap ones, as 28 distinct rows.
	wantRows(t, c, `SELECT count(*), count(DISTINCT (auction, price)) FROM cheap`, "480|28")
	stop()
	c, seeds, _ = startEddyDir(t, dir)
	wantRows(t, c, `SELECT count(*) FROM cheap`, "480")
	dupBids(600, 300)
	check()
	wantRows(t, c, `SELECT count(*) FROM cheap`, "720")
}

// TestViewReadsSomeColumns: a view that reads some of a source's text
// columns does not build the others, yet accepts and refuses the same
// records as the batch query that reads them all.
func TestViewReadsSomeColumns(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE ev (a BIGINT, t TEXT, u TEXT) WITH (topic = 'ev', partitions = '1')`)
	produceTo(t, seeds, "ev", 1,
		`{"a": 1, "t": "x", "u": "y"}`,
		`{"a": 2, "t": "nul\u0000", "u": "y"}`,
		`{"a": 3, "t": 5, "u": {"k": [1]}}`,
		`{"a": 4, "t": tru}`,
		`{"a": 5, "u": "only u"}`,
		`{"a": 6, "t": "esc\"aped\u00e9"}`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW just_a AS SELECT a FROM ev`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW a_u AS SELECT a, u FROM ev WHERE a > 1`)
	produceTo(t, seeds, "ev", 1, `{"a": 7, "t": "\u0000"}`, `{"a": 8, "t": "fine"}`)
	eventually(t, c, `SELECT * FROM just_a ORDER BY 1`, `SELECT a FROM ev ORDER BY 1`)
	eventually(t, c, `SELECT * FROM a_u ORDER BY 1`, `SELECT a, u FROM ev WHERE a > 1 ORDER BY 1`)
	wantRows(t, c, `SELECT string_agg(a::text, ',' ORDER BY a) FROM just_a`, "1,3,5,6,8")
}

// TestSubscribeAppendViewUnderLoad: while records stream into an
// append-only view (whose feed publishes epochs before their commits and
// keeps several in flight), subscriptions that start at different moments
// each see every row exactly once, in their snapshot or as a change.
func TestSubscribeAppendViewUnderLoad(t *testing.T) {
	c, seeds, _ := startEddyDir(t, t.TempDir())
	mustExec(t, c, `CREATE SOURCE ev (a BIGINT) WITH (topic = 'ev', partitions = '2')`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW evs AS SELECT a FROM ev WHERE a >= 0`)
	const total = 3000
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; i < total; i += 50 {
			vals := make([]string, 50)
			for j := range vals {
				vals[j] = fmt.Sprintf(`{"a": %d}`, i+j)
			}
			produceAsync(t, seeds, 2, vals...)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	type result struct {
		seen map[string]int
		err  error
	}
	results := make(chan result, 3)
	for k := range 3 {
		time.Sleep(time.Duration(40*k) * time.Millisecond)
		conn := connectAgain(t, c)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			w := &lineWriter{lines: make(chan string, total)}
			done := make(chan error, 1)
			go func() {
				_, err := conn.PgConn().CopyTo(ctx, w, `COPY (SUBSCRIBE evs) TO STDOUT`)
				done <- err
			}()
			seen := map[string]int{}
			for n := 0; n < total; {
				select {
				case l := <-w.lines:
					f := strings.Split(l, "\t")
					if len(f) != 3 || f[1] != "1" {
						results <- result{err: fmt.Errorf("line %q", l)}
						return
					}
					seen[f[2]]++
					n++
				case err := <-done:
					results <- result{err: fmt.Errorf("COPY ended: %v", err)}
					return
				case <-ctx.Done():
					results <- result{err: fmt.Errorf("%d rows of %d after 60s", n, total)}
					return
				}
			}
			cancel()
			results <- result{seen: seen}
		}()
	}
	<-produced
	for range 3 {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		for i := range total {
			if n := r.seen[fmt.Sprint(i)]; n != 1 {
				t.Fatalf("row %d seen %d times", i, n)
			}
		}
	}
	// Subscriptions see an epoch before its commit; pull queries once it
	// is committed, a moment later.
	eventually(t, c, `SELECT count(*), count(DISTINCT a) FROM evs`, fmt.Sprintf("SELECT %d, %d", total, total))
}
