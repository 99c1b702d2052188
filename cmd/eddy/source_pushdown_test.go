package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSourcePushdownWatermark: a view's filter over a watermarked source
// runs in the source's decoders, yet the records it drops still raise the
// watermark and count as late exactly as the rows of a view that keeps
// them all, in the load and in the feed.
func TestSourcePushdownWatermark(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE ev (tm TIMESTAMP, v INT, WATERMARK FOR tm AS tm - INTERVAL '5 minutes')
		WITH (topic = 'ev', format = 'json', partitions = '1')`)
	produce := func(recs ...string) {
		t.Helper()
		for i, r := range recs {
			tm, v, _ := strings.Cut(r, " ")
			recs[i] = `{"tm": "2024-01-01 ` + tm + `", "v": ` + v + `}`
		}
		produceTo(t, seeds, "ev", 1, recs...)
	}
	// The greatest time is on an odd record, which the filter drops.
	produce("12:01:00 1", "12:04:00 2", "12:20:00 3", "12:02:00 null")
	mustExec(t, c, `CREATE MATERIALIZED VIEW even AS SELECT tm, v FROM ev WHERE v % 2 = 0`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW everything AS SELECT tm, v FROM ev`)
	const marks = `SELECT name, watermark, late_rows FROM eddy_catalog.eddy_views ORDER BY name`
	waitRows(t, c, marks, "even|2024-01-01 12:15:00|0", "everything|2024-01-01 12:15:00|0")
	wantRows(t, c, `SELECT v FROM even ORDER BY 1`, "2")

	// 12:03 (odd, dropped) and 12:05 (even) are late; 12:30 (odd) takes
	// the watermark to 12:25, which 12:26 is not below.
	produce("12:03:00 5", "12:05:00 4", "12:30:00 7", "12:26:00 6", "12:27:00 null")
	waitRows(t, c, marks, "even|2024-01-01 12:25:00|2", "everything|2024-01-01 12:25:00|2")
	wantRows(t, c, `SELECT v FROM even ORDER BY 1`, "2", "6")
	wantRows(t, c, `SELECT count(*), count(v) FROM everything`, "7|5")
	wantRows(t, c, `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE lag IS NULL OR lag > 0`, "0")
}

// TestSourcePushdownSemantics: a filter run in the decoders keeps the same
// rows as its batch query (NULLs, metadata columns, text and CASE), fails
// where the view's filter failed, and not where AND stops first.
func TestSourcePushdownSemantics(t *testing.T) {
	c, seeds := startEddyKafka(t)
	mustExec(t, c, `CREATE SOURCE s (k INT, name TEXT, tm TIMESTAMP) WITH (topic = 's', format = 'json', partitions = '2')`)
	var recs []string
	for i := range 400 {
		name := fmt.Sprintf(`"n%d"`, i%13)
		if i%11 == 0 {
			name = "null"
		}
		k := fmt.Sprint(i)
		if i%17 == 0 {
			k = "null"
		}
		recs = append(recs, fmt.Sprintf(`{"k": %s, "name": %s, "tm": "2024-01-01 00:%02d:00"}`, k, name, i%60))
	}
	produceTo(t, seeds, "s", 2, recs[:200]...)
	queries := map[string]string{
		"p1": `SELECT k, name FROM s WHERE k % 3 = 0`,
		"p2": `SELECT k FROM s WHERE name IN ('n1', 'n2') OR k IS NULL`,
		"p3": `SELECT k, _offset FROM s WHERE _partition = 1 AND name IS NOT NULL`,
		"p4": `SELECT upper(name) FROM s WHERE CASE WHEN k < 100 THEN name > 'n5' ELSE k % 7 = 1 END`,
		"p5": `SELECT k FROM s WHERE k > 1000 AND 10 / (k - 150) > 0`,
	}
	for name, q := range queries {
		mustExec(t, c, `CREATE MATERIALIZED VIEW `+name+` AS `+q)
	}
	produceTo(t, seeds, "s", 2, recs[200:]...)
	for name, q := range queries {
		deadline := time.Now().Add(60 * time.Second)
		for {
			got, want := sortedRows(t, c, `SELECT * FROM `+name), sortedRows(t, c, q)
			if slices.Equal(got, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s differs from its batch query:\n%s", name, rowDiff(got, want))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// A record the filter fails on fails the view's load as before.
	_, err := c.Exec(context.Background(), `CREATE MATERIALIZED VIEW bad AS SELECT k FROM s WHERE 10 / (k - 150) > 0`)
	if sqlState(err) != "22012" {
		t.Fatalf("division by zero: got %v", err)
	}
}

// TestSourcePushdownRestart: a view whose filter drops most records
// commits the offsets past them too, so after a restart it neither loses
// nor counts twice a record.
func TestSourcePushdownRestart(t *testing.T) {
	dir := t.TempDir()
	c, seeds, stop := startEddyDir(t, dir)
	mustExec(t, c, `CREATE SOURCE bid (auction BIGINT, price BIGINT) WITH (topic = 'bid', partitions = '3')`)
	const q = `SELECT auction, price FROM bid WHERE auction = 3`
	caughtUp := `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE name = 'three' AND (lag IS NULL OR lag > 0)`
	bids(t, seeds, 0, 200)
	mustExec(t, c, `CREATE MATERIALIZED VIEW three AS `+q)
	bids(t, seeds, 200, 200)
	eventually(t, c, `SELECT * FROM three ORDER BY 2`, q+` ORDER BY 2`)
	waitRows(t, c, caughtUp, "0")
	stop()
	c, seeds, _ = startEddyDir(t, dir)
	wantRows(t, c, `SELECT count(*) FROM three`, "57")
	waitRows(t, c, caughtUp, "0")
	bids(t, seeds, 400, 200)
	eventually(t, c, `SELECT * FROM three ORDER BY 2`, q+` ORDER BY 2`)
	wantRows(t, c, `SELECT count(*), count(DISTINCT price) FROM three`, "86|86")
	waitRows(t, c, caughtUp, "0")
}
