package planner

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// fuzzPlanSeeds cover the binder's constructs over testPlanner's catalog
// (kv, bid) and the doc table FuzzPlan adds.
var fuzzPlanSeeds = []string{
	"SELECT v FROM kv WHERE id = 1",
	"SELECT v, count(*) FROM kv WHERE id > 10 GROUP BY v HAVING count(*) > 1 ORDER BY 2 DESC LIMIT 5 OFFSET 1",
	"SELECT a.v FROM kv a JOIN kv b ON a.id = b.id + 1 WHERE b.v LIKE 'x%'",
	"SELECT a.v, b.price FROM kv a LEFT JOIN bid b ON a.id = b.auction",
	"SELECT * FROM kv a RIGHT JOIN kv b USING (id)",
	"SELECT * FROM kv a FULL JOIN bid b ON a.id = b.auction AND b.price > 3",
	"SELECT * FROM kv NATURAL JOIN kv k2",
	"SELECT * FROM kv CROSS JOIN bid",
	"SELECT * FROM kv, LATERAL (SELECT price FROM bid WHERE auction = kv.id LIMIT 1) l",
	"SELECT id FROM kv WHERE EXISTS (SELECT 1 FROM bid WHERE auction = kv.id)",
	"SELECT id FROM kv WHERE NOT EXISTS (SELECT 1 FROM bid WHERE auction = kv.id AND price > 10)",
	"SELECT id FROM kv WHERE id IN (SELECT auction FROM bid)",
	"SELECT id FROM kv WHERE id NOT IN (SELECT auction FROM bid WHERE price > kv.id)",
	"SELECT id FROM kv WHERE id > ANY (SELECT price FROM bid)",
	"SELECT id FROM kv WHERE id <= ALL (SELECT price FROM bid WHERE auction = kv.id)",
	"SELECT id, (SELECT max(price) FROM bid WHERE auction = kv.id) FROM kv",
	"SELECT id, (SELECT v FROM kv k2 WHERE k2.id = kv.id + 1) FROM kv",
	"SELECT id, EXISTS (SELECT 1 FROM bid WHERE auction = kv.id) OR id > 3 FROM kv",
	"SELECT count(*) FILTER (WHERE id IN (SELECT auction FROM bid WHERE auction = kv.id)) FROM kv",
	"SELECT * FROM (SELECT auction, sum(price) s FROM bid GROUP BY auction) t WHERE s > 100",
	"SELECT auction, count(DISTINCT price), avg(price), min(date_time), string_agg(price::text, ',' ORDER BY price) FROM bid GROUP BY auction",
	"SELECT v, row_number() OVER (PARTITION BY v ORDER BY id), sum(id) OVER w FROM kv WINDOW w AS (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
	"SELECT auction, rank() OVER (ORDER BY price DESC), lag(price, 1) OVER (PARTITION BY auction ORDER BY date_time) FROM bid",
	"WITH t AS (SELECT id, v FROM kv WHERE id > 1) SELECT a.v FROM t a JOIN t b ON a.id = b.id",
	"WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r",
	"WITH RECURSIVE r(id, depth) AS (SELECT id, 0 FROM kv WHERE id = 1 UNION SELECT kv.id, r.depth + 1 FROM kv JOIN r ON kv.id = r.id + 1) SELECT * FROM r",
	"SELECT id FROM kv UNION SELECT auction FROM bid",
	"SELECT id FROM kv UNION ALL SELECT id + 1 FROM kv ORDER BY 1 LIMIT 3",
	"SELECT id FROM kv INTERSECT SELECT auction FROM bid EXCEPT SELECT 7",
	"SELECT window_start, window_end, count(*), max(price) FROM TUMBLE(bid, date_time, INTERVAL '1 hour') GROUP BY window_start, window_end",
	"SELECT window_start, auction FROM HOP(bid, date_time, INTERVAL '10 minutes', INTERVAL '30 minutes') WHERE price > 5",
	"SELECT window_start FROM TUMBLE(bid, date_time, INTERVAL '1 hour', INTERVAL '15 minutes')",
	"VALUES (1, 'a'), (2, 'b')",
	"SELECT * FROM (VALUES (1, 'a'), (2, NULL)) AS t(x, y) WHERE x > $1",
	"SELECT CAST(id AS text), v::int4, '1.5'::numeric(10,2), date_time::date, '2023-01-01'::timestamptz FROM kv, bid",
	"SELECT ARRAY[1, 2, id], (ARRAY[id, price])[1], tags[1:2], array_length(tags, 1), id = ANY(tags) FROM kv, bid, doc",
	"SELECT body->'a', body->>'b', body #> '{a,b}', body @> '{\"a\":1}'::jsonb, jsonb_build_object('k', tags) FROM doc",
	"SELECT id, CASE WHEN id > 1 THEN 'big' ELSE v END, coalesce(v, 'x'), nullif(id, 2), greatest(id, 3) FROM kv",
	"SELECT DISTINCT ON (auction) auction, price FROM bid ORDER BY auction, price DESC",
	"SELECT generate_series(1, id), unnest(tags) FROM kv, doc",
	"SELECT * FROM generate_series(1, 10) g(x) JOIN kv ON kv.id = g.x",
	"SELECT id FROM kv WHERE v IS NOT NULL AND id BETWEEN 1 AND 10 AND v ILIKE '%a%' ORDER BY v NULLS FIRST",
	"EXPLAIN SELECT 1; SELECT 1/0, 'x' || 2",
}

// FuzzPlan plans parsed SELECTs, shapes them for a materialized view
// (Continuous) and formats them (Explain): none of it may panic, and every
// error must carry a SQLSTATE.
func FuzzPlan(f *testing.F) {
	p := testPlanner(f)
	doc := &catalog.Relation{OID: catalog.FirstUserOID + 2, Schema: "public", Name: "doc", Kind: catalog.KindTable,
		Columns: []catalog.Column{{Name: "body", Type: sql.JSONB}, {Name: "tags", Type: sql.ArrayOf(sql.Int8)}}}
	if err := p.Cat.Put(doc); err != nil {
		f.Fatal(err)
	}
	for _, s := range fuzzPlanSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			fuzzPlanOne(t, p, q)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("%q: planning takes more than 10s", q)
		}
	})
}

// fuzzPlanOne plans every query statement of q as FuzzPlan describes.
func fuzzPlanOne(t *testing.T, p *Planner, q string) {
	stmts, err := sql.Parse(q)
	if err != nil {
		return
	}
	for _, st := range stmts {
		stmt := st.AST
		if ex, ok := stmt.(*ast.ExplainStmt); ok {
			stmt = ex.Stmt
		}
		if stmt == nil || !isQuery(stmt) {
			continue
		}
		plan, err := p.PlanQuery(stmt, nil)
		if err != nil {
			checkPlanError(t, q, "PlanQuery", err)
			continue
		}
		_ = Explain(plan.Plan)
		if d, err := Decorrelate(plan.Plan); err != nil {
			checkPlanError(t, q, "Decorrelate", err)
		} else {
			_ = Explain(d)
		}
		if c, err := Continuous(plan.Plan); err != nil {
			checkPlanError(t, q, "Continuous", err)
		} else {
			_ = Explain(c)
		}
	}
}

// isQuery reports whether n is a statement PlanQuery binds.
func isQuery(n ast.StmtNode) bool {
	switch n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		return true
	}
	return false
}

// checkPlanError fails unless err is, or wraps, a *sql.Error with a
// SQLSTATE other than XX000.
func checkPlanError(t *testing.T, q, stage string, err error) {
	t.Helper()
	var e *sql.Error
	if !errors.As(err, &e) {
		t.Errorf("%q: %s: error without SQLSTATE (%T): %v", q, stage, err, err)
		return
	}
	if len(e.Code) != 5 || strings.HasPrefix(e.Code, "XX") {
		t.Errorf("%q: %s: error with SQLSTATE %q: %v", q, stage, e.Code, err)
	}
}
