package main

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// waitRows polls q until it returns want: views over sources are fed in
// the background.
func waitRows(t testing.TB, c *pgx.Conn, q string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := queryRows(t, c, q)
		if strings.Join(got, "\n") == strings.Join(want, "\n") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s:\n got %q\nwant %q", q, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSourceWatermark: views over a watermarked source drop its late
// records and, with EMIT ON WINDOW CLOSE, show each window once the
// watermark has passed it, whatever epochs the records arrive in. One
// partition keeps the records in the order they were produced.
func TestSourceWatermark(t *testing.T) {
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
	// Two records before the views exist: the views take them as in time.
	produce("12:01:00 1", "12:04:00 2")
	mustExec(t, c, `CREATE MATERIALIZED VIEW agg AS SELECT window_start, count(*) AS n, sum(v) AS s
		FROM TUMBLE(ev, tm, INTERVAL '10 minutes') GROUP BY window_start`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW agg_eowc AS SELECT window_start, count(*) AS n, sum(v) AS s
		FROM TUMBLE(ev, tm, INTERVAL '10 minutes') GROUP BY window_start EMIT ON WINDOW CLOSE`)
	const marks = `SELECT name, watermark, late_rows FROM eddy_catalog.eddy_views ORDER BY name`
	waitRows(t, c, marks, "agg|2024-01-01 11:59:00|0", "agg_eowc|2024-01-01 11:59:00|0")

	// Watermark 12:07: window 12:00 (ends 12:10) is still open.
	produce("12:12:00 3")
	waitRows(t, c, marks, "agg|2024-01-01 12:07:00|0", "agg_eowc|2024-01-01 12:07:00|0")
	wantRows(t, c, `SELECT count(*) FROM agg_eowc`, "0")

	// 12:03 is late whichever epoch it lands in (the watermark is 12:07
	// before it); 12:08 is not (12:16 comes after it in the partition).
	produce("12:03:00 100", "12:08:00 4", "12:16:00 5")
	waitRows(t, c, marks, "agg|2024-01-01 12:11:00|1", "agg_eowc|2024-01-01 12:11:00|1")
	wantRows(t, c, `SELECT window_start::text, n, s FROM agg ORDER BY 1`,
		"2024-01-01 12:00:00|3|7", "2024-01-01 12:10:00|2|8")
	wantRows(t, c, `SELECT window_start::text, n, s FROM agg_eowc ORDER BY 1`, "2024-01-01 12:00:00|3|7")

	// 12:40 takes the watermark to 12:35: window 12:10 closes.
	produce("12:40:00 6")
	waitRows(t, c, `SELECT window_start::text, n, s FROM agg_eowc ORDER BY 1`,
		"2024-01-01 12:00:00|3|7", "2024-01-01 12:10:00|2|8")
	// The source itself still has every record, the late one too.
	wantRows(t, c, `SELECT count(*), sum(v) FROM ev`, "7|121")
}
