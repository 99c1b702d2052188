package sql

import (
	"fmt"
	"testing"
)

// Golden rewrites: PostgreSQL text in, the TiDB text the planner's markers
// expect out. Every output must also parse with TiDB.
var rewriteCases = []struct{ in, out string }{
	{"select nextval('s'), lastval(), setval('s', 1), currval('s')",
		"select \"nextval\"('s'), \"lastval\"(), \"setval\"('s', 1), currval('s')"},
	{"select key, value, offset, partition, timestamp from src",
		"select \"key\", value, \"offset\", \"partition\", timestamp from src"},
	{"select t.key, range, rank, div, mod, index, interval, schema, read, usage, match, release, row_number, groups from t",
		"select t.\"key\", \"range\", \"rank\", \"div\", \"mod\", \"index\", \"interval\", \"schema\", \"read\", \"usage\", \"match\", \"release\", \"row_number\", \"groups\" from t"},
	{"select rank() over (partition by a order by b rows between unbounded preceding and current row), lead(x) over w from t window w as (order by b)",
		"select rank() over (partition by a order by b rows between unbounded preceding and current row), json_arrayagg(eddy_window('lead', '', x)) over w from t window w as (order by b)"},
	{"SELECT \"Name\", Foo FROM \"T\"",
		"select \"Name\", foo from \"T\""},
	{"select a::text::int, (a + 1)::bigint, f(x)::numeric(10,2), '{1,2}'::int[], c.oid::pg_catalog.regclass, x::timestamp with time zone, y::character varying(10), z::\"char\"",
		"select eddy_cast(eddy_cast(a, 'text'), 'int'), eddy_cast((a + 1), 'bigint'), eddy_cast(f(x), 'numeric(10,2)'), eddy_cast('{1,2}', 'int[]'), eddy_cast(c.oid, 'pg_catalog.regclass'), eddy_cast(x, 'timestamp with time zone'), eddy_cast(y, 'character varying(10)'), eddy_cast(z, '\"char\"')"},
	{"select (select 1)::int, a[1]::text, $1::int",
		"select eddy_cast((select 1), 'int'), eddy_cast(eddy_subscript(a, 1), 'text'), eddy_cast(eddy_param(1), 'int')"},
	{"select cast(a as double precision), cast(b + 1 as varchar(3))",
		"select eddy_cast(a, 'double precision'), eddy_cast(b + 1, 'varchar(3)')"},
	{"select date '2024-01-01', timestamptz 'now', timestamp with time zone 'x', interval '4 seconds', int '1', bool 't', numeric '1.5', jsonb '[]', text 'x'",
		"select eddy_cast('2024-01-01', 'date'), eddy_cast('now', 'timestamptz'), eddy_cast('x', 'timestamp with time zone'), eddy_cast('4 seconds', 'interval'), eddy_cast('1', 'int'), eddy_cast('t', 'bool'), eddy_cast('1.5', 'numeric'), eddy_cast('[]', 'jsonb'), eddy_cast('x', 'text')"},
	{"select E'a\\tb\\'c\\\\', $$it's$$, $tag$x$tag$, U&'d\\0061t', 'x::int'",
		"select 'a\tb''c\\', 'it''s', 'x', 'dat', 'x::int'"},
	{"select $1, $2::int",
		"select eddy_param(1), eddy_cast(eddy_param(2), 'int')"},
	{"select * from a full outer join b on a.x = b.x full join c using (x, y) natural full join d",
		"select * from a left join b on eddy_full_join(a.x = b.x) left join c on eddy_full_join_using(x, y) left join d on eddy_full_join_natural()"},
	{"select * from a left join b on a.x = b.x right join c using (x) natural join d cross join e",
		"select * from a left join b on a.x = b.x right join c using (x) natural join d cross join e"},
	{"select count(*) filter (where x > 1), sum(y) filter (where y > 0) over (partition by z) from t",
		"select eddy_filter(count(*), x > 1), eddy_filter(sum(y) over (partition by z), y > 0) from t"},
	{"select string_agg(a, ',' order by b desc nulls last, c), array_agg(x order by y) from t",
		"select eddy_agg_order(string_agg(a, ','), eddy_desc(eddy_nulls_last(b)), c), eddy_agg_order(array_agg(x), y) from t"},
	{"select a from t order by a desc nulls first, b nulls last, c",
		"select a from t order by eddy_nulls_first(a) desc, eddy_nulls_last(b), c"},
	{"select array[1, 2], array[[1,2],[3,4]], array(select 1), a[1], a[1:2], a[:3], (f(x))[2]",
		"select eddy_array(1, 2), eddy_array(eddy_array(1, 2), eddy_array(3, 4)), eddy_array_subquery((select 1)), eddy_subscript(a, 1), eddy_slice(a, 1, 2), eddy_slice(a, null, 3), eddy_subscript((f(x)), 2)"},
	{"select * from t where x = any (arr) and y <> all ('{1,2}'::int[]) and z = any (select 1)",
		"select * from t where x = any (select eddy_unnest(arr)) and y <> all (select eddy_unnest(eddy_cast('{1,2}', 'int[]'))) and z = any (select 1)"},
	{"select * from t where a OPERATOR(pg_catalog.~) '^x$' COLLATE pg_catalog.default and b collate \"C\" = 'x'",
		"select * from t where eddy_regex(a, '^x$') and b = 'x'"},
	{"select a ~ b, a ~* b, a !~ 'x' || y, a !~* b, a is distinct from b, a is not distinct from b + 1",
		"select eddy_regex(a, b), eddy_regex_ci(a, b), not eddy_regex(a, 'x') || y, not eddy_regex_ci(a, b), not (a <=> b), (a <=> b + 1)"},
	{"select j -> 'a' ->> 'b', j #> '{a,b}', j #>> '{a}', j @> '{}', '{}' <@ j, 2 ^ 3 ^ 2, -2 ^ 2, 5 # 3",
		"select eddy_json_get_text(eddy_json_get(j, 'a'), 'b'), eddy_json_path(j, '{a,b}'), eddy_json_path_text(j, '{a}'), eddy_contains(j, '{}'), eddy_contained('{}', j), power(power(2, 3), 2), power(- 2, 2), 5 ^ 3"},
	{"select * from t where x->>'a' = 'b' and not y ~ 'z'",
		"select * from t where eddy_json_get_text(x, 'a') = 'b' and not eddy_regex(y, 'z')"},
	{"select * from t limit all",
		"select * from t"},
	{"select * from t offset 5 rows",
		"select * from t limit 18446744073709551615 offset 5"},
	{"select * from t offset 5 rows fetch first 3 rows only",
		"select * from t limit 3 offset 5"},
	{"select * from t fetch next row only",
		"select * from t limit 1"},
	{"select * from t limit 3 offset 4",
		"select * from t limit 3 offset 4"},
	{"select v from t order by 2 desc limit 5 offset 1",
		"select v from t order by 2 desc limit 5 offset 1"},
	{"select v from t order by v asc nulls last limit 5",
		"select v from t order by eddy_nulls_last(v) asc limit 5"},
	{"select extract(epoch from ts), extract(dow from ts), date_part('year', ts)",
		"select eddy_extract('epoch', ts), eddy_extract('dow', ts), date_part('year', ts)"},
	{"select * from generate_series(1, 3), pg_catalog.generate_series(1,2) g(n), lateral unnest(a) with ordinality as u(x, n)",
		"select * from (select eddy_table_function('generate_series', 1, 3)) as \"generate_series\", (select eddy_table_function('pg_catalog.generate_series', 1, 2)) as \"g\x1fn\", lateral (select eddy_table_function_ordinality('unnest', a)) as \"u\x1fx\x1fn\""},
	{"select * from (select 1, 2) as t(a, b), (values (1, 'a'), (2, 'b')) as v(x, y)",
		"select * from (select 1, 2) as \"t\x1fa\x1fb\", (select 1 as column1, 'a' as column2 union all select 2, 'b') as \"v\x1fx\x1fy\""},
	{"select * from tumble(bid, date_time, interval '10 seconds')",
		"select * from (select eddy_table_function('tumble', bid, date_time, eddy_cast('10 seconds', 'interval'))) as \"tumble\""},
	{"select * from hop(bid, date_time, interval '1 second', interval '10 seconds') h",
		"select * from (select eddy_table_function('hop', bid, date_time, eddy_cast('1 second', 'interval'), eddy_cast('10 seconds', 'interval'))) as \"h\""},
	{"values (1, 2), (3, 4)",
		"select 1 as column1, 2 as column2 union all select 3, 4"},
	{"values (1, 2), (3, 4) order by 1 limit 1",
		"select * from (select 1 as column1, 2 as column2 union all select 3, 4) as \"*VALUES*\" order by 1 limit 1"},
	{"select 1 union all values (2)",
		"select 1 union all select 2 as column1"},
	{"with x as (values (1)) select * from x",
		"with x as (select 1 as column1) select * from x"},
	{"insert into t (a, b) values ($1, $2)",
		"insert into t(a, b) values (eddy_param(1), eddy_param(2))"},
	{"insert into t default values",
		"insert into t () values ()"},
	{"select (information_schema._pg_expandarray(i.indkey)).n, (result.keys).x",
		"select eddy_field((information_schema._pg_expandarray(i.indkey)), 'n'), eddy_field((result.\"keys\"), 'x')"},
	{"select ts at time zone 'UTC' from t",
		"select eddy_at_time_zone(ts, 'UTC') from t"},
	{"select percentile_cont(0.5) within group (order by x) from t",
		"select eddy_within_group(percentile_cont(0.5), x) from t"},
	{"select case when a ~ 'x' then 1 else 2 end",
		"select case when eddy_regex(a, 'x') then 1 else 2 end"},
	{"select substring(x from 1 for 2), position('a' in b), trim(both 'x' from y), current_schema(), current_schemas(false)",
		"select substring(x, 1, 2), strpos(b, 'a'), btrim(y, 'x'), current_schema(), current_schemas(eddy_cast('f', 'boolean'))"},
	{"select trim(leading from s), trim(trailing 'xy' from s), trim(s), trim(both s), substring(s for 2), substring(s from 'a.'), overlay(s placing 'ab' from 2 for 3), div(9, 4)",
		"select ltrim(s), rtrim(s, 'xy'), trim(s), btrim(s), substring(s, 1, 2), substring(s, 'a.'), overlay(s, 'ab', 2, 3), \"div\"(9, 4)"},
	{"select j ? 'a', j ?| array['a'], j ?& b, j #- '{a}', 'ab' ^@ 'a', |/ 25 * 1, ||/ 27, a ~~ 'x%', a !~~* b, s similar to 'a%' and s not similar to 'b'",
		"select eddy_json_exists(j, 'a'), eddy_json_exists_any(j, eddy_array('a')), eddy_json_exists_all(j, b), jsonb_delete_path(j, '{a}'), starts_with('ab', 'a'), sqrt(25 * 1), cbrt(27), (a like 'x%'), (a not ilike b), eddy_similar(s, 'a%') and not eddy_similar(s, 'b')"},
	{"select 'a'||/* c */'b', j #-- c\n'{a}'",
		"select 'a' || 'b', j ^ '{a}'"},
	{"update t set a[2] = x + 1, b = 2 where id = 1",
		"update t set a = eddy_array_set(a, 2, x + 1), b = 2 where id = 1"},
	// TRUE and FALSE are booleans, not MySQL's 1 and 0; IS [NOT] TRUE stays a predicate.
	{"select true, false from t where b = true and c is true and d is not false",
		"select eddy_cast('t', 'boolean'), eddy_cast('f', 'boolean') from t where b = eddy_cast('t', 'boolean') and c is true and d is not false"},
	{"select a from t -- comment",
		"select a from t"},
	{"select /* a /* nested */ comment */ 1",
		"select 1"},
}

func TestRewriteBareParam(t *testing.T) {
	for _, q := range []string{"select ?", "select * from t where a = ?", "select ? 'a'"} {
		if _, err := Rewrite(q); err == nil {
			t.Errorf("%s: a bare ? must be a syntax error", q)
		}
	}
}

func TestRewrite(t *testing.T) {
	for _, c := range rewriteCases {
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

func TestParseTypeName(t *testing.T) {
	cases := []struct {
		in   string
		want Type
	}{
		{"int", Int4}, {"INTEGER", Int4}, {"int4", Int4}, {"serial", Int4},
		{"bigint", Int8}, {"int8", Int8}, {"bigserial", Int8},
		{"smallint", Int2}, {"int2", Int2},
		{"real", Float4}, {"float4", Float4}, {"float(10)", Float4}, {"float(30)", Float8},
		{"float8", Float8}, {"double precision", Float8}, {"string", Varchar},
		{"numeric", Numeric}, {"decimal", Numeric}, {"numeric(10,2)", Type{OID: OIDNumeric, Mod: (10<<16 | 2) + 4}},
		{"text", Text}, {"varchar(10)", Type{OID: OIDVarchar, Mod: 14}},
		{"character varying(10)", Type{OID: OIDVarchar, Mod: 14}}, {"varchar", Varchar},
		{"char(3)", Type{OID: OIDBpchar, Mod: 7}}, {"character(3)", Type{OID: OIDBpchar, Mod: 7}},
		{"bpchar", Type{OID: OIDBpchar, Mod: -1}}, {"name", Name}, {"bool", Bool}, {"boolean", Bool},
		{"bytea", Bytea}, {"date", Date}, {"time", Time}, {"timestamp", Timestamp},
		{"timestamp(3)", Type{OID: OIDTimestamp, Mod: 3}}, {"timestamp without time zone", Timestamp},
		{"timestamptz", TimestampTZ}, {"timestamp with time zone", TimestampTZ},
		{"interval", Interval}, {"json", JSON}, {"jsonb", JSONB}, {"uuid", UUID}, {"oid", Oid},
		{"regclass", Type{OID: OIDRegclass, Mod: -1}}, {"pg_catalog.regtype", Type{OID: OIDRegtype, Mod: -1}},
		{"regproc", Type{OID: OIDRegproc, Mod: -1}}, {`"char"`, Type{OID: OIDChar, Mod: -1}},
		{"int[]", ArrayOf(Int4)}, {"text[]", ArrayOf(Text)}, {"pg_catalog.int2[]", ArrayOf(Int2)},
		{"int[][]", ArrayOf(Int4)}, {"text[3][4]", ArrayOf(Text)}, // dimensions are the value's, not the type's
	}
	for _, c := range cases {
		got, err := ParseTypeName(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if !got.Equal(c.want) {
			t.Errorf("%s: got %#v (%s), want %#v", c.in, got, got, c.want)
		}
	}
	for _, bad := range []string{"foo", "int int", "varchar(", ""} {
		if _, err := ParseTypeName(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	_, err := ParseTypeName("foo")
	if e := AsError(err); e.Code != CodeUndefinedObject || e.Message != `type "foo" does not exist` {
		t.Errorf("foo: %v %s", e.Code, e.Message)
	}
}

func TestOnConflict(t *testing.T) {
	cases := []struct {
		in        string
		cols      []string
		cons      string
		nothing   bool
		sets      int
		where     bool
		returning bool
	}{
		{"insert into t values (1) on conflict do nothing", nil, "", true, 0, false, false},
		{"insert into t values (1) on conflict (a, \"B\") do nothing returning *", []string{"a", "B"}, "", true, 0, false, true},
		{"insert into t values (1, 2) on conflict on constraint t_pkey do update set b = excluded.b + t.b, c = 'x'::text where t.b < 3", nil, "t_pkey", false, 2, true, false},
		{"insert into t select * from u on conflict (a) do update set b = excluded.b returning a", []string{"a"}, "", false, 1, false, true},
	}
	for _, c := range cases {
		st, err := Parse(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		oc := st[0].OnConflict
		if oc == nil {
			t.Fatalf("%s: no ON CONFLICT", c.in)
		}
		if fmt.Sprint(oc.Columns) != fmt.Sprint(c.cols) || oc.Constraint != c.cons || oc.DoNothing != c.nothing || len(oc.Set) != c.sets || (oc.Where != nil) != c.where || (st[0].Returning != nil) != c.returning {
			t.Errorf("%s: got %+v", c.in, oc)
		}
	}
	for _, bad := range []string{"insert into t values (1) on conflict", "insert into t values (1) on conflict (a) do", "insert into t values (1) on conflict do nothing x"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: parsed", bad)
		}
	}
}
