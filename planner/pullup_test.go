package planner

import (
	"strings"
	"testing"
)

// TestPullUpSublinks checks which WHERE subqueries a batch query turns into
// joins: correlated EXISTS and IN conjuncts, and nothing else, as in
// PostgreSQL, so that every other subquery keeps its per-row semantics.
func TestPullUpSublinks(t *testing.T) {
	p := decorPlanner(t)
	for _, c := range []struct {
		query, join string // join: the join the plan must show, "" for none
	}{
		{"select name from cust c where exists (select 1 from orders o where o.cust_id = c.id and amount > 5)", "Hash Semi Join"},
		{"select name from cust c where not exists (select 1 from orders o where o.cust_id = c.id)", "Hash Anti Join"},
		{"select name from cust c where c.id in (select cust_id from orders o where o.amount = c.id)", "Semi Join"},
		{"select c.name from cust c, tags t where c.id = t.k and exists (select 1 from orders o where o.cust_id = c.id)", "Hash Semi Join"},
		// Kept per row: NOT IN's NULL rules, OR, the select list,
		// uncorrelated subqueries (run once) and nested subqueries.
		{"select name from cust c where not (c.id in (select cust_id from orders o where o.amount = c.id))", ""},
		{"select name from cust c where exists (select 1 from orders o where o.cust_id = c.id) or c.city = 'x'", ""},
		{"select name, exists (select 1 from orders o where o.cust_id = c.id) from cust c", ""},
		{"select name from cust c where exists (select 1 from orders o)", ""},
		{"select name from cust c where exists (select 1 from orders o where o.cust_id = c.id and exists (select 1 from tags where k = o.oid))", ""},
	} {
		plan := planSQL(t, p, c.query)
		out := PullUpSublinks(plan)
		text := Explain(out)
		if c.join == "" {
			if out != plan {
				t.Errorf("%s: rewritten, want it kept per row:\n%s", c.query, text)
			}
			continue
		}
		if opt, _ := Optimize(out); opt != nil {
			text = Explain(opt)
		}
		if HasSubquery(out) || !strings.Contains(text, c.join) {
			t.Errorf("%s: want a %s and no subquery, got:\n%s", c.query, c.join, text)
		}
	}
}
