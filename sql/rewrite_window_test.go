package sql

import "testing"

// Window calls and frames the TiDB grammar cannot take as written.
var windowRewriteCases = []struct{ in, out string }{
	{"select string_agg(a, ',') over (partition by b order by c) from t",
		"select json_arrayagg(eddy_window('string_agg', '', a, ',')) over (partition by b order by c) from t"},
	{"select lag(x, -1) over w, nth_value(x, $1) over (order by y), ntile(2) over () from t window w as (order by y)",
		"select json_arrayagg(eddy_window('lag', '', x, - 1)) over w, json_arrayagg(eddy_window('nth_value', '', x, eddy_param(1))) over (order by y), json_arrayagg(eddy_window('ntile', '', 2)) over () from t window w as (order by y)"},
	{"select sum(x) over (order by y rows 2 preceding), rank() over (w order by z), count(*) filter (where x > 1) over (order by y) from t",
		"select sum(x) over (order by y rows 2 preceding), rank() over (w order by z), eddy_filter(count(*) over (order by y), x > 1) from t"},
	{"select bool_and(distinct x) over (), string_agg(a, ',' order by a) over (), count(distinct x) over () from t",
		"select json_arrayagg(eddy_window('bool_and', 'distinct', x)) over (), json_arrayagg(eddy_window('string_agg', 'order', a, ',')) over (), json_arrayagg(eddy_window('count', 'distinct', x)) over () from t"},
	{"select sum(x) over (order by d range between '1 day'::interval preceding and interval '2 days' following) from t",
		"select sum(x) over (order by d range between interval eddy_frame_offset(eddy_cast('1 day', 'interval')) second preceding and interval eddy_frame_offset(eddy_cast('2 days', 'interval')) second following) from t"},
	{"select sum(x) over (order by y rows $1 preceding exclude current row), sum(x) over (order by y groups between 1 preceding and 2 following exclude ties) from t",
		"select sum(x) over (order by y rows between interval eddy_frame_offset(eddy_param(1)) second preceding and interval eddy_frame_end('current row', 'current row') second following), sum(x) over (order by y groups between 1 preceding and interval eddy_frame_end('following', 'ties', 2) second following) from t"},
	{"select sum(x) over w from t window w as (order by y range between 1 + 1 preceding and unbounded following exclude no others), v as (w)",
		"select sum(x) over w from t window w as (order by y range between interval eddy_frame_offset(1 + 1) second preceding and interval eddy_frame_end('unbounded following', 'no others') second following), v as (w)"},
	{"with a as (select 1), b as (select 2) select * from a, b",
		"with a as (select 1), b as (select 2) select * from a, b"},
	{"select range from t order by range",
		"select \"range\" from t order by \"range\""},
}

func TestRewriteWindow(t *testing.T) {
	for _, c := range windowRewriteCases {
		got, err := Rewrite(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got != c.out {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.out)
			continue
		}
		if _, err := Parse(c.in); err != nil {
			t.Errorf("%s: TiDB does not parse the rewrite: %v", c.in, err)
		}
	}
}
