package planner

import (
	"reflect"
	"strings"
	"testing"
)

// widths lists, for each node of the plan that stores or copies its input
// rows (a join side, a HOP, a window, a sort), the width of that input.
func widths(n Node) []int {
	var out []int
	walkPlan(n, func(n Node) bool {
		switch x := n.(type) {
		case *Join:
			out = append(out, len(x.Left.Columns()), len(x.Right.Columns()))
		case *FuncJoin:
			out = append(out, len(x.Left.Columns()))
		case *Window:
			out = append(out, len(x.Input.Columns()))
		case *Sort:
			out = append(out, len(x.Input.Columns()))
		case *Aggregate:
			out = append(out, len(x.Aggs))
		}
		return true
	})
	return out
}

func TestPrune(t *testing.T) {
	p := watermarkPlanner(t)
	for _, tc := range []struct {
		query  string
		fires  bool
		before []int
		after  []int
	}{
		// HOP copies each row per window: only the time and the group
		// column go in.
		{"SELECT auction, count(*), window_start FROM HOP(bid, date_time, INTERVAL '2 seconds', INTERVAL '10 seconds') GROUP BY auction, window_start",
			true, []int{1, 3}, []int{1, 2}},
		// Both join sides keep the key and what the select list reads.
		{"SELECT ev.foo FROM ev JOIN dim ON ev.k = dim.k", true, []int{3, 2}, []int{2, 1}},
		{"SELECT ev.foo, dim.name FROM ev LEFT JOIN dim ON ev.k = dim.k AND ev.foo > 1", true, []int{3, 2}, []int{2, 2}},
		{"SELECT ev.foo FROM ev WHERE EXISTS (SELECT 1 FROM dim WHERE dim.k = ev.k)", true, []int{3, 2}, []int{2, 1}},
		// Aggregates nobody reads are dropped, the groups stay.
		{"SELECT k FROM (SELECT k, sum(foo) AS s, max(tm) AS m FROM ev GROUP BY k) t", true, []int{2}, []int{0}},
		{"SELECT k, s FROM (SELECT k, sum(foo) AS s, max(tm) AS m FROM ev GROUP BY k) t", true, []int{2}, []int{1}},
		// The window's partition and order columns go in, the rest not.
		{"SELECT foo FROM (SELECT foo, tm, row_number() OVER (PARTITION BY k ORDER BY tm) AS rn FROM ev) t WHERE rn <= 3", true, []int{3}, []int{3}},
		{"SELECT foo FROM (SELECT foo, k, row_number() OVER (ORDER BY tm) AS rn FROM ev) t WHERE rn <= 3", true, []int{3}, []int{2}},
		// Nothing to drop: every column is read.
		{"SELECT tm, foo, k FROM ev", false, nil, nil},
		{"SELECT ev.tm, ev.foo, ev.k, dim.k, dim.name FROM ev JOIN dim ON ev.k = dim.k", false, []int{3, 2}, []int{3, 2}},
		// DISTINCT and set operations need every column of their inputs.
		{"SELECT count(*) FROM (SELECT DISTINCT tm, foo, k FROM ev) t", false, []int{1}, []int{1}},
		{"SELECT k FROM (SELECT k, foo FROM ev UNION SELECT k, 1 FROM dim) t", false, nil, nil},
	} {
		t.Run(tc.query, func(t *testing.T) {
			plan, err := Continuous(planFor(t, p, tc.query))
			if err != nil {
				t.Fatal(err)
			}
			pruned, fired := Prune(plan)
			if fired != tc.fires {
				t.Errorf("fired = %v, want %v:\n%s", fired, tc.fires, Explain(pruned))
			}
			if !reflect.DeepEqual(pruned.Columns(), plan.Columns()) {
				t.Errorf("output columns changed: %v, want %v", pruned.Columns(), plan.Columns())
			}
			if got := widths(plan); !reflect.DeepEqual(got, tc.before) {
				t.Errorf("widths before = %v, want %v:\n%s", got, tc.before, Explain(plan))
			}
			if got := widths(pruned); !reflect.DeepEqual(got, tc.after) {
				t.Errorf("widths after = %v, want %v:\n%s", got, tc.after, Explain(pruned))
			}
			if err := CheckContinuous(pruned); err != nil {
				t.Error(err)
			}
			again, fired := Prune(pruned)
			if fired || Explain(again) != Explain(pruned) {
				t.Errorf("pruning twice changed the plan:\n%s", Explain(again))
			}
			if strings.Contains(Explain(pruned), "<nil>") {
				t.Errorf("bad plan:\n%s", Explain(pruned))
			}
		})
	}
}
