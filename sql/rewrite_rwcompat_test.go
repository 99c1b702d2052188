package sql

import "testing"

func TestRewriteCorresponding(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"select * from t1 union all corresponding select * from t2",
			"select * from t1 union all select * from (select * from t2) as \"eddy_corresponding\""},
		{"select * from t1 union corresponding by (v4, \"V1\") select * from t2 union select a, b from t3 order by 1 limit 2",
			"select * from t1 union select * from (select * from t2) as \"eddy_corresponding\x1fv4\x1fV1\" union select a, b from t3 order by 1 limit 2"},
		{"select 1 as a intersect corresponding select 1 as a except all corresponding by (a) values (2)",
			"select 1 as a intersect select * from (select 1 as a) as \"eddy_corresponding\" except all select * from (select 2 as column1) as \"eddy_corresponding\x1fa\""},
	} {
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
	for _, q := range []string{
		"select 1 union corresponding by select 2",
		"select 1 union corresponding by () select 2",
		"select 1 union corresponding by (a + 1) select 2",
		"select 1 union corresponding",
	} {
		if _, err := Parse(q); err == nil {
			t.Errorf("%s: want a syntax error", q)
		}
	}
}

// first_value and last_value without OVER are RisingWave's aggregates: the
// TiDB grammar has them only as window functions, so the call is quoted.
func TestRewriteFirstValueAggregate(t *testing.T) {
	for _, c := range []struct{ in, out string }{
		{"select first_value(distinct x order by y desc), last_value(x order by y) filter (where y > 0) from t",
			"select eddy_agg_order(eddy_agg_distinct(\"first_value\"(x)), eddy_desc(y)), eddy_filter(eddy_agg_order(\"last_value\"(x), y), y > 0) from t"},
		{"select first_value(x) over (order by y), last_value(x) filter (where y > 0) over w from t window w as ()",
			"select first_value(x) over (order by y), eddy_filter(last_value(x) over w, y > 0) from t window w as ()"},
	} {
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
