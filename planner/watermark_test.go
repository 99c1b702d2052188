package planner

import (
	"testing"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// watermarkPlanner adds to testPlanner two watermarked append-only tables,
// ev and ev2 (tm timestamp, foo int, k int; WATERMARK tm - 5 minutes), and
// dim (k int, name text) without one.
func watermarkPlanner(t *testing.T) *Planner {
	p := testPlanner(t)
	cols := []catalog.Column{{Name: "tm", Type: sql.Timestamp}, {Name: "foo", Type: sql.Int4}, {Name: "k", Type: sql.Int4}}
	for i, name := range []string{"ev", "ev2"} {
		rel := &catalog.Relation{OID: catalog.FirstUserOID + 10 + uint32(i), Schema: "public", Name: name, Kind: catalog.KindTable,
			Columns: cols, AppendOnly: true, WatermarkColumn: "tm", WatermarkExpr: "tm - interval '5 minutes'"}
		if err := p.Cat.Put(rel); err != nil {
			t.Fatal(err)
		}
	}
	days := &catalog.Relation{OID: catalog.FirstUserOID + 13, Schema: "public", Name: "days", Kind: catalog.KindTable,
		Columns: []catalog.Column{{Name: "d", Type: sql.Date}}, AppendOnly: true, WatermarkColumn: "d", WatermarkExpr: "d - 1"}
	if err := p.Cat.Put(days); err != nil {
		t.Fatal(err)
	}
	dim := &catalog.Relation{OID: catalog.FirstUserOID + 12, Schema: "public", Name: "dim", Kind: catalog.KindTable,
		Columns: []catalog.Column{{Name: "k", Type: sql.Int4}, {Name: "name", Type: sql.Text}}}
	if err := p.Cat.Put(dim); err != nil {
		t.Fatal(err)
	}
	return p
}

func planFor(t *testing.T, p *Planner, query string) Node {
	t.Helper()
	stmts, err := sql.Parse(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	q, err := p.PlanQuery(stmts[0].AST, nil)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return q.Plan
}

func TestWindowCloseColumn(t *testing.T) {
	p := watermarkPlanner(t)
	ts := func(s string) sql.Value {
		v, err := sql.Cast(sql.NewText(s), sql.Text, sql.Timestamp, true, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Every input's watermark is 16:56 (a row at 17:01 arrived).
	w := ts("2023-05-06 16:56:00")
	for _, tc := range []struct {
		query string
		col   string // "" when the view has no closing column
		bound string // the column's bound at watermark w
	}{
		// The raw watermarked column: rows below the watermark are final.
		{"SELECT tm, foo FROM ev", "tm", "2023-05-06 16:56:00"},
		{"SELECT foo FROM ev", "", ""},
		// TUMBLE: window_start below tumble_start(w), window_end at most w.
		{"SELECT window_start, foo FROM TUMBLE(ev, tm, INTERVAL '1 hour')", "window_start", "2023-05-06 16:00:00"},
		{"SELECT window_end, foo FROM TUMBLE(ev, tm, INTERVAL '1 hour')", "window_end", "2023-05-06 17:00:00"},
		{"SELECT window_start FROM TUMBLE(ev, tm, INTERVAL '1 hour', INTERVAL '15 minutes')", "window_start", "2023-05-06 16:15:00"},
		// HOP(slide 10m, size 30m): the earliest window holding 16:56 starts 16:30 and the earliest end is 17:00.
		{"SELECT window_start FROM HOP(ev, tm, INTERVAL '10 minutes', INTERVAL '30 minutes')", "window_start", "2023-05-06 16:30:00"},
		{"SELECT window_end FROM HOP(ev, tm, INTERVAL '10 minutes', INTERVAL '30 minutes')", "window_end", "2023-05-06 17:00:00"},
		// GROUP BY keys; aggregates are not bounded.
		{"SELECT count(*), window_start FROM TUMBLE(ev, tm, INTERVAL '1 hour') GROUP BY window_start", "window_start", "2023-05-06 16:00:00"},
		{"SELECT k, window_end, max(foo) FROM TUMBLE(ev, tm, INTERVAL '1 hour') GROUP BY k, window_end", "window_end", "2023-05-06 17:00:00"},
		{"SELECT k, count(*) FROM TUMBLE(ev, tm, INTERVAL '1 hour') GROUP BY k", "", ""},
		{"SELECT count(*) FROM TUMBLE(ev, tm, INTERVAL '1 hour')", "", ""},
		// Window functions: a shared PARTITION BY key only (RisingWave's eowc_group_top_n).
		{`SELECT window_start, foo FROM (SELECT *, row_number() OVER (PARTITION BY window_start ORDER BY foo) AS rownum
		    FROM TUMBLE(ev, tm, INTERVAL '1 hour')) x WHERE rownum <= 1`, "window_start", "2023-05-06 16:00:00"},
		{"SELECT window_start, row_number() OVER (PARTITION BY k ORDER BY tm) FROM TUMBLE(ev, tm, INTERVAL '1 hour')", "", ""},
		{"SELECT window_start, row_number() OVER (ORDER BY tm) FROM TUMBLE(ev, tm, INTERVAL '1 hour')", "", ""},
		// A global LIMIT can change any row.
		{"SELECT * FROM (SELECT tm FROM ev ORDER BY foo LIMIT 3) x", "", ""},
		// Joins: on the window key both sides close it; on anything else the
		// other side can still change a closed window's rows.
		{`SELECT a.window_start, a.foo, b.foo FROM TUMBLE(ev, tm, INTERVAL '1 hour') a
		    JOIN TUMBLE(ev2, tm, INTERVAL '1 hour') b ON a.window_start = b.window_start AND a.k = b.k`, "window_start", "2023-05-06 16:00:00"},
		{`SELECT a.window_start, b.foo FROM TUMBLE(ev, tm, INTERVAL '1 hour') a
		    LEFT JOIN TUMBLE(ev2, tm, INTERVAL '1 hour') b ON a.window_start = b.window_start`, "window_start", "2023-05-06 16:00:00"},
		{`SELECT a.window_start, d.name FROM TUMBLE(ev, tm, INTERVAL '1 hour') a JOIN dim d ON a.k = d.k`, "", ""},
		{`SELECT a.window_start, v.x FROM TUMBLE(ev, tm, INTERVAL '1 hour') a JOIN (VALUES (1, 'one')) v(k, x) ON a.k = v.k`, "window_start", "2023-05-06 16:00:00"},
		{`SELECT a.window_start FROM TUMBLE(ev, tm, INTERVAL '1 hour') a WHERE EXISTS (SELECT 1 FROM dim d WHERE d.k = a.k)`, "", ""},
		// Set operations need the column bounded on both sides.
		{"SELECT tm FROM ev UNION ALL SELECT tm FROM ev2", "tm", "2023-05-06 16:56:00"},
		{"SELECT tm FROM ev EXCEPT SELECT tm FROM ev2", "tm", "2023-05-06 16:56:00"},
		{"SELECT tm FROM ev UNION ALL SELECT now()::timestamp FROM dim", "", ""},
		{"SELECT DISTINCT window_start, k FROM TUMBLE(ev, tm, INTERVAL '1 hour')", "window_start", "2023-05-06 16:00:00"},
		{"SELECT 1", "", ""},
		// A date's windows are those of its midnight; days' watermark is a
		// date too, here 2023-05-06.
		{"SELECT window_end FROM TUMBLE(days, d, INTERVAL '2 days')", "window_end", "2023-05-07 00:00:00"},
	} {
		n := planFor(t, p, tc.query)
		i, b, err := WindowCloseColumn(n)
		if tc.col == "" {
			if err == nil {
				t.Errorf("%s: closing column %s, want none", tc.query, n.Columns()[i].Name)
			} else if e := sql.AsError(err); e == nil || e.Code != sql.CodeFeatureNotSupported {
				t.Errorf("%s: %v, want 0A000", tc.query, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		if got := n.Columns()[i].Name; got != tc.col {
			t.Errorf("%s: closing column %s, want %s", tc.query, got, tc.col)
		}
		var least sql.Value
		for _, term := range b.Terms {
			w := w
			if term.Input == catalog.FirstUserOID+13 {
				w = sql.NewDate(w.Int() / 86_400_000_000)
			}
			v, err := term.Eval(w)
			if err != nil {
				t.Fatalf("%s: %v", tc.query, err)
			}
			if least.IsNull() || sql.Compare(v, least) < 0 {
				least = v
			}
		}
		if got := sql.FormatText(least, sql.Timestamp, nil); got != tc.bound {
			t.Errorf("%s: bound %s, want %s", tc.query, got, tc.bound)
		}
	}
}

func TestWatermarkBind(t *testing.T) {
	p := watermarkPlanner(t)
	ev := p.Cat.Lookup("", "ev")
	col, x, err := p.WatermarkBind(ev)
	if err != nil || col != 0 || x.Type() != sql.Timestamp {
		t.Fatalf("WatermarkBind(ev) = %d, %v, %v", col, x, err)
	}
	for _, tc := range []struct {
		col, expr, code string
	}{
		{"nope", "tm", sql.CodeUndefinedColumn},
		{"tm", "foo", sql.CodeDatatypeMismatch},
		{"tm", "now()::timestamp", sql.CodeFeatureNotSupported},
		{"tm", "tm + (random() * interval '1 second')", sql.CodeFeatureNotSupported},
		{"foo", "foo - 1", ""},
		{"tm", "tm - interval '1 minute' * foo", ""},
	} {
		rel := *ev
		rel.WatermarkColumn, rel.WatermarkExpr = tc.col, tc.expr
		_, _, err := p.WatermarkBind(&rel)
		if tc.code == "" {
			if err != nil {
				t.Errorf("WATERMARK FOR %s AS %s: %v", tc.col, tc.expr, err)
			}
			continue
		}
		if e := sql.AsError(err); e == nil || e.Code != tc.code {
			t.Errorf("WATERMARK FOR %s AS %s: %v, want %s", tc.col, tc.expr, err, tc.code)
		}
	}
}
