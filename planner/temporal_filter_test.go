package planner

import (
	"strings"
	"testing"
)

// TestTemporalConjuncts: which WHERE conjuncts a view maintains by the
// clock, in which direction, and which it refuses.
func TestTemporalConjuncts(t *testing.T) {
	p := watermarkPlanner(t)
	for _, c := range []struct {
		where string
		// want lists each temporal conjunct's direction (L lower, U
		// upper); "refused" when CheckContinuous refuses the view.
		want string
	}{
		{"tm > now() - interval '1 hour'", "U"},
		{"tm >= current_timestamp", "U"},
		{"tm <= now() + interval '1 day'", "L"},
		{"now() < tm + interval '1 minute'", "U"},
		{"localtimestamp >= tm", "L"},
		{"tm BETWEEN now() AND now() + interval '1 day' * 365", "UL"},
		{"foo = 1 AND tm > now() - interval '1 hour' AND k > 2", "U"},
		{"foo = 1", ""},
		{"localtimestamp - tm < interval '1 hour'", "refused"},
		{"tm > now() OR foo = 1", "refused"},
		{"tm > now() - make_interval(secs => foo)", "refused"},
		{"tm = now()", "refused"},
		{"tm > now() - (now() - now())", "refused"},
		{"tm > current_date", "refused"},
		{"tm > clock_timestamp()", "refused"},
	} {
		plan := planFor(t, p, "SELECT foo FROM ev WHERE "+c.where)
		var got strings.Builder
		walkPlan(plan, func(n Node) bool {
			if f, ok := n.(*Filter); ok {
				ts, _ := SplitTemporal(f.Pred)
				for _, x := range ts {
					if x.Lower {
						got.WriteString("L")
					} else {
						got.WriteString("U")
					}
				}
			}
			return true
		})
		err := CheckContinuous(plan)
		if c.want == "refused" {
			if err == nil || !strings.Contains(err.Error(), "not supported in a materialized view") {
				t.Errorf("%s: got %v, want a refusal", c.where, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.where, err)
		}
		if got.String() != c.want {
			t.Errorf("%s: got %q, want %q", c.where, got.String(), c.want)
		}
		if HasTemporalFilter(plan) != (c.want != "") {
			t.Errorf("%s: HasTemporalFilter is %v", c.where, !HasTemporalFilter(plan))
		}
	}
}
