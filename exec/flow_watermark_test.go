package exec

import (
	"bytes"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// rowStrings renders rows as sorted lines, for comparing results.
func rowStrings(rows []sql.Row) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		parts := make([]string, len(r))
		for j, v := range r {
			parts[j] = v.String()
		}
		out[i] = strings.Join(parts, " | ")
	}
	slices.Sort(out)
	return out
}

func sameRows(t *testing.T, what string, got, want []sql.Row) {
	t.Helper()
	g, w := rowStrings(got), rowStrings(want)
	if !slices.Equal(g, w) {
		t.Fatalf("%s:\n got %d rows: %s\nwant %d rows: %s", what, len(g), strings.Join(g, "; "), len(w), strings.Join(w, "; "))
	}
}

// windowQueries are views over the watermarked ev (and ev2) and the same
// queries over intime, the rows that arrived in time, by a table name
// placeholder. eowc marks the ones created WITH EMIT ON WINDOW CLOSE, and
// closed is the condition that picks the closed windows' rows of the batch
// query at watermark $w.
var windowQueries = []struct {
	name, query string
	eowc        bool
	closed      string
}{
	{name: "tumble_agg", query: `SELECT window_start, count(*) AS n, sum(foo) AS s, max(foo) AS m
		FROM TUMBLE(%[1]s, tm, INTERVAL '10 minutes') GROUP BY window_start`},
	{name: "tumble_agg_eowc", eowc: true, closed: "window_start + INTERVAL '10 minutes' <= $w",
		query: `SELECT window_start, count(*) AS n, sum(foo) AS s, max(foo) AS m
		FROM TUMBLE(%[1]s, tm, INTERVAL '10 minutes') GROUP BY window_start`},
	{name: "tumble_keyed_eowc", eowc: true, closed: "window_end <= $w",
		query: `SELECT k, window_end, count(*) AS n, min(foo) AS m
		FROM TUMBLE(%[1]s, tm, INTERVAL '10 minutes') GROUP BY k, window_end`},
	{name: "hop_agg_eowc", eowc: true, closed: "window_end <= $w",
		query: `SELECT window_start, window_end, count(*) AS n, sum(foo) AS s
		FROM HOP(%[1]s, tm, INTERVAL '5 minutes', INTERVAL '15 minutes') GROUP BY window_start, window_end`},
	{name: "top1_eowc", eowc: true, closed: "window_start + INTERVAL '10 minutes' <= $w",
		query: `SELECT window_start, foo FROM (
		SELECT *, row_number() OVER (PARTITION BY window_start ORDER BY foo, tm) AS rn
		FROM TUMBLE(%[1]s, tm, INTERVAL '10 minutes')) x WHERE rn <= 1`},
	{name: "rows_eowc", eowc: true, closed: "tm < $w", query: `SELECT tm, foo, k FROM %[1]s WHERE foo %% 3 <> 0`},
	{name: "rows", query: `SELECT tm, foo, k FROM %[1]s`},
	{name: "join_eowc", eowc: true, closed: "window_start + INTERVAL '10 minutes' <= $w",
		query: `SELECT a.window_start, a.k, count(*) AS n FROM TUMBLE(%[1]s, tm, INTERVAL '10 minutes') a
		JOIN TUMBLE(%[1]s, tm, INTERVAL '10 minutes') b ON a.window_start = b.window_start AND a.k = b.k
		GROUP BY a.window_start, a.k`},
}

// TestWatermarkAcceptance is the acceptance test of watermarks: windowed
// queries maintained as views over a watermarked append-only table fed
// out-of-order rows in many epochs (with a restart in the middle) equal
// the same queries run in batch over the rows that arrived in time, which
// the test tells apart itself. Views with EMIT ON WINDOW CLOSE equal the
// batch query's rows of the windows the watermark has closed.
func TestWatermarkAcceptance(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	query(t, s, `CREATE TABLE ev (tm timestamp, foo int, k int, WATERMARK FOR tm AS tm - INTERVAL '5 minutes') APPEND ONLY`)
	query(t, s, `CREATE TABLE intime (tm timestamp, foo int, k int)`)
	// Views created before any row, and (below) one created halfway.
	for _, q := range windowQueries {
		create(t, s, q.name, fmt.Sprintf(q.query, "ev"), q.eowc)
	}

	rng := rand.New(rand.NewSource(1))
	base := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	var wm time.Time // the watermark as the test computes it; zero: none
	late := 0
	check := func() {
		t.Helper()
		w := "NULL::timestamp"
		if !wm.IsZero() {
			w = "'" + wm.Format("2006-01-02 15:04:05") + "'::timestamp"
		}
		for _, q := range windowQueries {
			batch := fmt.Sprintf(q.query, "intime")
			if q.eowc {
				batch = "SELECT * FROM (" + batch + ") x WHERE " + strings.ReplaceAll(q.closed, "$w", w)
			}
			sameRows(t, q.name, query(t, s, "SELECT * FROM "+q.name), query(t, s, batch))
		}
		rows := query(t, s, "SELECT DISTINCT watermark, late_rows FROM eddy_catalog.eddy_views WHERE input = 'ev'")
		if len(rows) != 1 || rows[0][1].Int() != int64(late) {
			t.Fatalf("eddy_views: %v, want one watermark and %d late rows", rowStrings(rows), late)
		}
		if want := wm.Format("2006-01-02 15:04:05"); !wm.IsZero() && sql.FormatText(rows[0][0], sql.Text, nil) != want {
			t.Fatalf("watermark %s, want %s", rows[0][0], want)
		}
	}
	clock := 0 // minutes: the stream's time, moving forward with jitter
	for epoch := 0; epoch < 120; epoch++ {
		if epoch == 60 {
			// A restart keeps the watermark and the views' state.
			s.Close()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}
			e, s = openSession(t, dir)
			check()
		}
		var values, inTime []string
		next := wm
		for i := rng.Intn(6); i >= 0; i-- {
			clock += rng.Intn(3)
			// Mostly near the clock; some rows well behind it (late once
			// the watermark has passed them), some NULL.
			tm := base.Add(time.Duration(clock-rng.Intn(8)) * time.Minute)
			if rng.Intn(10) == 0 {
				tm = tm.Add(-time.Duration(10+rng.Intn(20)) * time.Minute)
			}
			v := fmt.Sprintf("('%s', %d, %d)", tm.Format("2006-01-02 15:04:05"), rng.Intn(100), rng.Intn(3))
			if rng.Intn(25) == 0 {
				v = fmt.Sprintf("(NULL, %d, %d)", rng.Intn(100), rng.Intn(3))
			} else if !wm.IsZero() && tm.Before(wm) {
				late++
				values = append(values, v)
				continue
			} else if w := tm.Add(-5 * time.Minute); w.After(next) {
				next = w
			}
			values = append(values, v)
			inTime = append(inTime, v)
		}
		query(t, s, "INSERT INTO ev VALUES "+strings.Join(values, ", "))
		if len(inTime) > 0 {
			query(t, s, "INSERT INTO intime VALUES "+strings.Join(inTime, ", "))
		}
		wm = next
		if epoch == 90 {
			// A view created now takes the table's rows, late ones too, as
			// the batch query does; from then on it drops late rows as the
			// others do (its own watermark starts where theirs is).
			q := windowQueries[0]
			create(t, s, "late_view", fmt.Sprintf(q.query, "ev"), false)
			sameRows(t, "late_view", query(t, s, "SELECT * FROM late_view"), query(t, s, fmt.Sprintf(q.query, "ev")))
			query(t, s, "DROP MATERIALIZED VIEW late_view")
		}
		if epoch%7 == 0 || epoch == 119 {
			check()
		}
	}
	if late == 0 {
		t.Fatal("no row was late: the test tests nothing")
	}
	s.Close()
	e.Close()
}

func create(t *testing.T, s *Session, name, q string, eowc bool) {
	t.Helper()
	if eowc {
		q += " EMIT ON WINDOW CLOSE"
	}
	query(t, s, "CREATE MATERIALIZED VIEW "+name+" AS "+q)
}

// TestWatermarkDropsClosedState: the state of a view over a watermarked
// stream stays bounded: closed windows leave the EMIT ON WINDOW CLOSE
// buffer and the keyed operators' arrangements.
func TestWatermarkDropsClosedState(t *testing.T) {
	e, s := openSession(t, t.TempDir())
	defer e.Close()
	query(t, s, `CREATE TABLE ev (tm timestamp, foo int, k int, WATERMARK FOR tm AS tm) APPEND ONLY`)
	query(t, s, `CREATE MATERIALIZED VIEW agg AS SELECT k, window_start, count(*) AS n
		FROM TUMBLE(ev, tm, INTERVAL '1 minute') GROUP BY k, window_start EMIT ON WINDOW CLOSE`)
	query(t, s, `CREATE MATERIALIZED VIEW top AS SELECT window_start, foo FROM (
		SELECT *, row_number() OVER (PARTITION BY window_start ORDER BY foo) AS rn
		FROM TUMBLE(ev, tm, INTERVAL '1 minute')) x WHERE rn <= 2`)
	if ops := viewOps(t, e, "top"); !slices.Equal(ops, []string{"topn"}) {
		t.Fatalf("top is maintained by %v, want [topn]", ops)
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	// stateKeys counts a view's state but for the copy counts of its rows
	// (viewSink), which are the view's contents.
	stateKeys := func(view string) int {
		rel := e.cat.Lookup("", view)
		n := 0
		err := e.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: catalog.ObjectPrefix(catalog.PrefixState, rel.OID)})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if !bytes.HasPrefix(it.Item().Key(), newViewSink(rel).counts) {
					n++
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var most [2]int
	for minute := 0; minute < 60; minute++ {
		var values []string
		for sec := 0; sec < 60; sec += 6 {
			tm := base.Add(time.Duration(minute)*time.Minute + time.Duration(sec)*time.Second)
			values = append(values, fmt.Sprintf("('%s', %d, %d)", tm.Format("2006-01-02 15:04:05"), sec, sec/6%4))
		}
		query(t, s, "INSERT INTO ev VALUES "+strings.Join(values, ", "))
		if minute >= 5 {
			most[0] = max(most[0], stateKeys("agg"))
			most[1] = max(most[1], stateKeys("top"))
		}
	}
	// 60 windows of 10 rows went by; at most two windows' worth stay.
	if most[0] > 60 || most[1] > 60 {
		t.Fatalf("state of agg reached %d keys, of top %d: closed windows' state stays", most[0], most[1])
	}
	// The views hold every closed window: 59 of 60 minutes, 4 keys each.
	if n := query(t, s, "SELECT count(*) FROM agg")[0][0].Int(); n != 59*4 {
		t.Fatalf("agg has %d rows, want %d", n, 59*4)
	}
	if n := query(t, s, "SELECT count(*) FROM top")[0][0].Int(); n != 60*2 {
		t.Fatalf("top has %d rows, want %d", n, 60*2)
	}
}
