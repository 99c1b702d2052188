package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/cmd/internal/nexmark"
)

const nexmarkDir = "../../testdata/nexmark"

// TestNexmark: every Nexmark query, as a materialized view over the
// generator's events, equals the same query run in batch over the sources.
// Half the events exist when the views are created (their initial load),
// half arrive after (the views tail the topics).
func TestNexmark(t *testing.T) {
	events := int64(20_000)
	if testing.Short() {
		events = 4_000
	}
	c, seeds := startEddyKafka(t)
	ctx := context.Background()
	srcs, err := nexmark.LoadSources(nexmarkDir)
	if err != nil {
		t.Fatal(err)
	}
	queries, err := nexmark.LoadQueries(nexmarkDir)
	if err != nil {
		t.Fatal(err)
	}
	gen := func(first, n int64) {
		t.Helper()
		_, err := nexmark.Produce(ctx, nexmark.GenConfig{Seeds: seeds, First: first, Events: n, Seed: 42,
			Base: nexmark.DefaultBaseTime, Partitions: 2})
		if err != nil {
			t.Fatal(err)
		}
	}
	gen(0, events/2)
	for _, s := range srcs {
		mustExec(t, c, s)
	}
	for _, q := range queries {
		mustExec(t, c, q.Create)
	}
	gen(events/2, events-events/2)
	for _, q := range queries {
		t.Run(q.Name, func(t *testing.T) {
			// Caught up: the view has committed every record of its
			// sources' topics (and the topics have all the events).
			lagging := `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE name = '` + q.Name + `' AND (lag IS NULL OR lag > 0)`
			deadline := time.Now().Add(3 * time.Minute)
			for queryRows(t, c, lagging)[0] != "0" {
				if time.Now().After(deadline) {
					t.Fatalf("%s has not caught up: %q", q.Name, queryRows(t, c, `SELECT * FROM eddy_catalog.eddy_view_sources WHERE name = '`+q.Name+`'`))
				}
				time.Sleep(50 * time.Millisecond)
			}
			got := sortedRows(t, c, `SELECT * FROM `+q.Name)
			want := sortedRows(t, c, `SELECT * FROM (`+q.Select+`) q`)
			if !slices.Equal(got, want) {
				t.Fatalf("%s differs from its batch query (%d rows, batch %d):\n%s", q.Name, len(got), len(want), rowDiff(got, want))
			}
			if len(got) == 0 {
				t.Errorf("%s is empty: the data tests nothing", q.Name)
			}
		})
	}
	wantRows(t, c, `SELECT DISTINCT name, source FROM eddy_catalog.eddy_view_sources WHERE name IN ('q3', 'q0') ORDER BY 1, 2`,
		"q0|bid", "q3|auction", "q3|person")
}

// rowDiff lists the first rows only one side has.
func rowDiff(got, want []string) string {
	var b strings.Builder
	i, j, n := 0, 0, 0
	for (i < len(got) || j < len(want)) && n < 10 {
		switch {
		case j >= len(want) || (i < len(got) && got[i] < want[j]):
			b.WriteString("  view only:  " + got[i] + "\n")
			i++
			n++
		case i >= len(got) || want[j] < got[i]:
			b.WriteString("  batch only: " + want[j] + "\n")
			j++
			n++
		default:
			i++
			j++
		}
	}
	return b.String()
}

func sortedRows(t *testing.T, c *pgx.Conn, q string) []string {
	t.Helper()
	rows := queryRows(t, c, q)
	slices.Sort(rows)
	return rows
}

// TestNexmarkEOWC: q5 and q8 with EMIT ON WINDOW CLOSE show exactly the
// rows of their batch queries whose windows the watermark has closed. One
// partition per topic keeps the events in time order, spread over 16 s of
// event time so that windows close.
func TestNexmarkEOWC(t *testing.T) {
	events := int64(20_000)
	if testing.Short() {
		events = 8_000
	}
	c, seeds := startEddyKafka(t)
	ctx := context.Background()
	srcs, err := nexmark.LoadSources(nexmarkDir)
	if err != nil {
		t.Fatal(err)
	}
	queries, err := nexmark.LoadQueries(nexmarkDir)
	if err != nil {
		t.Fatal(err)
	}
	gen := func(first, n int64) {
		t.Helper()
		_, err := nexmark.Produce(ctx, nexmark.GenConfig{Seeds: seeds, First: first, Events: n, Seed: 7,
			Base: nexmark.DefaultBaseTime, EventRate: float64(events) / 16, Partitions: 1})
		if err != nil {
			t.Fatal(err)
		}
	}
	// Each query, its closing column and how far past it a window ends.
	eowc := []struct{ name, col, size string }{
		{"q5", "window_end", "0 seconds"},
		{"q8", "starttime", "10 seconds"},
	}
	gen(0, events/2)
	for _, s := range srcs {
		mustExec(t, c, s)
	}
	selects := map[string]string{}
	for _, e := range eowc {
		i := slices.IndexFunc(queries, func(q nexmark.Query) bool { return q.Name == e.name })
		selects[e.name] = queries[i].Select
		mustExec(t, c, `CREATE MATERIALIZED VIEW `+e.name+`_eowc AS `+queries[i].Select+` EMIT ON WINDOW CLOSE`)
	}
	gen(events/2, events-events/2)
	for _, e := range eowc {
		view := e.name + "_eowc"
		lagging := `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE name = '` + view + `' AND (lag IS NULL OR lag > 0)`
		deadline := time.Now().Add(3 * time.Minute)
		for queryRows(t, c, lagging)[0] != "0" {
			if time.Now().After(deadline) {
				t.Fatalf("%s has not caught up", view)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The view's bound: the least watermark of its inputs.
		wm := queryRows(t, c, `SELECT min(watermark::timestamp)::text, sum(late_rows)::text FROM eddy_catalog.eddy_views WHERE name = '`+view+`'`)[0]
		bound, late, _ := strings.Cut(wm, "|")
		if late != "0" {
			t.Fatalf("%s dropped %s late rows", view, late)
		}
		got := sortedRows(t, c, `SELECT * FROM `+view)
		want := sortedRows(t, c, `SELECT * FROM (`+selects[e.name]+`) q WHERE `+e.col+` + INTERVAL '`+e.size+`' <= '`+bound+`'::timestamp`)
		if !slices.Equal(got, want) {
			t.Fatalf("%s differs from its batch query's closed windows (watermark %s; %d rows, batch %d):\n%s",
				view, bound, len(got), len(want), rowDiff(got, want))
		}
		if len(got) == 0 {
			t.Errorf("%s has no closed window: the data tests nothing", view)
		}
		all := queryRows(t, c, `SELECT count(*) FROM (`+selects[e.name]+`) q`)[0]
		t.Logf("%s: %d of %s rows closed at watermark %s", view, len(got), all, bound)
	}
}
