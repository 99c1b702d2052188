package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// TestDecorrelateLateral checks the shape of rewritten LATERAL subqueries:
// no lateral join or outer reference is left, a view could maintain the
// plan, and the join back from the aggregate per domain value hashes on the
// columns that a correlated comparison makes NULL-rejecting, comparing the
// others by IS NOT DISTINCT FROM.
func TestDecorrelateLateral(t *testing.T) {
	p := decorPlanner(t)
	for _, tc := range []struct {
		query    string
		backKeys int // hash keys of the left join back from the per-domain aggregate; -1: no such join
		nullSafe bool
	}{
		{"SELECT c.id, s.n FROM cust c LEFT JOIN LATERAL (SELECT count(*) AS n FROM orders o WHERE o.cust_id = c.id) s ON true", 1, false},
		{"SELECT c.id, s.t FROM cust c LEFT JOIN LATERAL (SELECT sum(o.amount) FILTER (WHERE o.amount > c.id) AS t FROM orders o WHERE o.cust_id = c.id) s ON true", 1, false},
		{"SELECT c.id, s.t FROM cust c CROSS JOIN LATERAL (SELECT sum(o.amount) FILTER (WHERE o.amount > c.id) AS t FROM orders o) s", 0, true},
		{"SELECT c.id, s.v FROM cust c LEFT JOIN LATERAL (SELECT o.amount + c.id AS v FROM orders o WHERE o.cust_id = c.id) s ON s.v > 3", -1, false},
		{"SELECT c.id, s.k FROM cust c, LATERAL (SELECT t.k FROM tags t WHERE t.v < c.id) s", -1, false},
	} {
		n, err := Decorrelate(planSQL(t, p, tc.query))
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if err := CheckContinuous(n); err != nil {
			t.Fatalf("%s: %v\n%s", tc.query, err, Explain(n))
		}
		var back *Join
		walkPlan(n, func(x Node) bool {
			if j, ok := x.(*Join); ok && j.Kind == JoinLeft {
				if a, ok := j.Right.(*Aggregate); ok && len(a.Group) > 0 {
					back = j
				}
			}
			return true
		})
		if tc.backKeys < 0 {
			if back != nil {
				t.Errorf("%s: unexpected join back from an aggregate:\n%s", tc.query, Explain(n))
			}
			continue
		}
		if back == nil {
			t.Fatalf("%s: no left join back from the per-domain aggregate:\n%s", tc.query, Explain(n))
		}
		nullSafe := false
		walkExpr(back.On, func(e Expr) bool {
			if b, ok := e.(*BinOp); ok && b.Op == OpNullSafeEq {
				nullSafe = true
			}
			return true
		})
		if len(back.LeftKeys) != tc.backKeys || nullSafe != tc.nullSafe {
			t.Errorf("%s: join back has %d hash keys (null-safe %v), want %d (%v):\n%s", tc.query, len(back.LeftKeys), nullSafe, tc.backKeys, tc.nullSafe, Explain(n))
		}
	}
	for _, tc := range []struct{ query, want string }{
		{"SELECT c.id, s.amount FROM cust c CROSS JOIN LATERAL (SELECT o.amount FROM orders o WHERE o.cust_id = c.id LIMIT 1) s", "LIMIT or OFFSET"},
		{"SELECT c.id, s.amount FROM cust c CROSS JOIN LATERAL (SELECT o.amount FROM orders o WHERE o.cust_id = c.id UNION ALL SELECT 1) s", "UNION"},
		{"SELECT c.id FROM cust c WHERE EXISTS (SELECT 1 FROM orders o CROSS JOIN LATERAL (SELECT t.k FROM tags t WHERE t.k = o.oid AND t.v = c.id) s)", "reads a query outside its FROM clause"},
	} {
		_, err := Decorrelate(planSQL(t, p, tc.query))
		var se *sql.Error
		if err == nil || !errors.As(err, &se) || se.Code != sql.CodeFeatureNotSupported || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want 0A000 naming %q", tc.query, err, tc.want)
		}
	}
}
