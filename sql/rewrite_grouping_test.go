package sql

import "testing"

// Grouping sets, ordered-set aggregates and the sample stddev/variance: the
// PostgreSQL forms the TiDB grammar lacks or reads differently.
var groupingRewriteCases = []struct{ in, out string }{
	{"select a, b, grouping(a, b) from t group by rollup (a, b) having count(*) > 1 order by 1",
		"select a, b, grouping(a, b) from t group by eddy_rollup(a, b) having count(*) > 1 order by 1"},
	{"select a from t group by grouping sets ((a), (), a, (a, b), rollup(a, (b, c)), cube(a,b)), c",
		"select a from t group by eddy_grouping_sets(eddy_set(a), eddy_set(), a, eddy_set(a, b), eddy_rollup(a, eddy_set(b, c)), eddy_cube(a, b)), c"},
	{"select a from t group by cube (a, b), ()",
		"select a from t group by eddy_cube(a, b), eddy_set()"},
	{"select (select x from u group by rollup(x::int)) from t group by (a), (a+1)*2",
		"select (select x from u group by eddy_rollup(eddy_cast(x, 'int'))) from t group by (a), (a + 1) * 2"},
	{"select a from t group by a union select b from u group by grouping sets (b)",
		"select a from t group by a union select b from u group by eddy_grouping_sets(b)"},
	{"select mode() within group (order by a), percentile_cont(array[0.5, 0.9]) within group (order by b desc) from t",
		"select eddy_within_group(\"mode\"(), a), eddy_within_group(percentile_cont(eddy_array(0.5, 0.9)), eddy_desc(b)) from t"},
	{"select stddev(x), variance(distinct x), stddev(x) filter (where x > 0) over (), variance(x) over (), stddev_pop(x) from t",
		"select \"stddev\"(x), eddy_agg_distinct(\"variance\"(x)), eddy_filter(json_arrayagg(eddy_window('stddev', '', x)) over (), x > 0), json_arrayagg(eddy_window('variance', '', x)) over (), stddev_pop(x) from t"},
}

func TestRewriteGrouping(t *testing.T) {
	for _, c := range groupingRewriteCases {
		got, err := Rewrite(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got != c.out {
			t.Errorf("%s\n got: %q\nwant: %q", c.in, got, c.out)
		}
		if _, err := Parse(c.in); err != nil {
			t.Errorf("%s: TiDB rejects the rewrite %q: %v", c.in, got, err)
		}
	}
}
