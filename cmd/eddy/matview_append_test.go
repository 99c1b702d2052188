package main

import (
	"fmt"
	"testing"
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
