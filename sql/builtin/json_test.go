package builtin

import (
	"testing"

	"github.com/eddysql/eddy/sql"
)

func TestJSON(t *testing.T) {
	js := func(s string) arg { return a(sql.JSON, s) }
	jb := func(s string) arg { return a(sql.JSONB, s) }
	path := func(s string) arg { return a(sql.ArrayOf(sql.Text), s) }
	run(t, []tc{
		{"eddy_json_get", []arg{js(`{"a":1,"a":2}`), txt("a")}, "2"},
		{"eddy_json_get", []arg{js(`{"a": [1,  2]}`), txt("a")}, "[1,  2]"},
		{"eddy_json_get", []arg{js(`[1,2,3]`), i4("-1")}, "3"},
		{"eddy_json_get", []arg{js(`[1,2,3]`), i4("5")}, "NULL"},
		{"eddy_json_get", []arg{js(`[1,2,3]`), txt("a")}, "NULL"},
		{"eddy_json_get", []arg{jb(`{"b":{"x":[1,2]}}`), txt("b")}, `{"x": [1, 2]}`},
		{"eddy_json_get", []arg{jb(`{"a":null}`), txt("a")}, "null"},
		{"eddy_json_get_text", []arg{jb(`{"a":null}`), txt("a")}, "NULL"},
		{"eddy_json_get_text", []arg{js(`{"a":"x\ny\u00e9"}`), txt("a")}, "x\nyé"},
		{"eddy_json_get_text", []arg{jb(`["a",{"b":1}]`), i4("1")}, `{"b": 1}`},
		{"eddy_json_path", []arg{js(`{"a":{"b":[1, 2]}}`), path("{a,b,-1}")}, "2"},
		{"eddy_json_path", []arg{js(`{"a":{"b":[1, 2]}}`), path("{a,x}")}, "NULL"},
		{"eddy_json_path_text", []arg{js(`{"a":{"b":[1, 2]}}`), path("{}")}, `{"a":{"b":[1, 2]}}`},
		{"eddy_json_path_text", []arg{jb(`{"a":{"b":["x"]}}`), path("{a,b,0}")}, `x`},
		{"eddy_contains", []arg{jb(`{"a":1,"b":[1,2]}`), jb(`{"b":[2]}`)}, "t"},
		{"eddy_contains", []arg{jb(`[1,2]`), jb(`1`)}, "t"},
		{"eddy_contains", []arg{jb(`1`), jb(`[1]`)}, "f"},
		{"eddy_contains", []arg{jb(`{"a":1.0}`), jb(`{"a":1}`)}, "t"},
		{"eddy_contains", []arg{jb(`[[1,2]]`), jb(`[1]`)}, "f"},
		{"eddy_contains", []arg{jb(`[[1,2]]`), jb(`[[1]]`)}, "t"},
		{"eddy_contained", []arg{jb(`{"b":[2]}`), jb(`{"a":1,"b":[1,2]}`)}, "t"},
		{"to_json", []arg{txt(`a"b`)}, `"a\"b"`},
		{"to_json", []arg{a(sql.Float4, "1.5")}, `1.5`},
		{"to_json", []arg{a(sql.ArrayOf(sql.Int4), "{1,2}")}, `[1,2]`},
		{"to_jsonb", []arg{a(sql.ArrayOf(sql.Int4), "{1,2}")}, `[1, 2]`},
		{"to_json", []arg{ts("2020-01-01 10:00:00.5")}, `"2020-01-01T10:00:00.5"`},
		{"to_json", []arg{tstz("2020-01-01 10:00Z")}, `"2020-01-01T05:00:00-05:00"`},
		{"to_json", []arg{dt("2020-01-01")}, `"2020-01-01"`},
		{"to_json", []arg{f8("NaN")}, `"NaN"`},
		{"to_json", []arg{a(sql.Bool, "true")}, `true`},
		{"to_json", []arg{iv("1 day")}, `"1 day"`},
		{"to_json", []arg{js(`{"a":1}`)}, `{"a":1}`},
		{"to_json", []arg{a(sql.ArrayOf(sql.Text), `{a,NULL}`)}, `["a",null]`},
		{"to_json", []arg{txt("\x01")}, `"\u0001"`},
		{"to_json", []arg{a(sql.Bytea, `\x01`)}, `"\\x01"`},
		{"json_build_object", []arg{txt("a"), i4("1"), txt("b"), txt("x"), txt("c"), txt("NULL")}, `{"a" : 1, "b" : "x", "c" : null}`},
		{"jsonb_build_object", []arg{txt("b"), i4("1"), txt("a"), a(sql.ArrayOf(sql.Int4), "{1,2}")}, `{"a": [1, 2], "b": 1}`},
		{"json_build_object", []arg{txt("a"), i4("1"), txt("b")}, "ERROR 22023"},
		{"json_build_object", []arg{txt("NULL"), i4("1")}, "ERROR 22004"},
		{"json_build_object", nil, "{}"},
		{"json_build_array", []arg{i4("1"), txt("a"), txt("NULL"), a(sql.Bool, "true")}, `[1, "a", null, true]`},
		{"jsonb_build_array", nil, "[]"},
		{"jsonb_typeof", []arg{jb(`{"a":1}`)}, "object"},
		{"json_typeof", []arg{js(`-1.5e3`)}, "number"},
		{"json_typeof", []arg{js(`null`)}, "null"},
		{"jsonb_array_length", []arg{jb(`[1,[2,3]]`)}, "2"},
		{"jsonb_array_length", []arg{jb(`{}`)}, "ERROR 22023"},
		{"json_array_length", []arg{js(`1`)}, "ERROR 22023"},
		{"jsonb_extract_path", []arg{jb(`{"a":{"b":1}}`), txt("a"), txt("b")}, "1"},
		{"json_extract_path_text", []arg{js(`{"a":{"b":"x"}}`), txt("a"), txt("b")}, "x"},
		{"jsonb_strip_nulls", []arg{jb(`{"a":null,"b":[null,{"c":null}]}`)}, `{"b": [null, {}]}`},
		{"jsonb_set", []arg{jb(`{"a":1}`), path("{b}"), jb("2")}, `{"a": 1, "b": 2}`},
		{"jsonb_set", []arg{jb(`{"a":[1,2]}`), path("{a,0}"), jb("9")}, `{"a": [9, 2]}`},
		{"jsonb_set", []arg{jb(`{"a":1}`), path("{b,c}"), jb("2")}, `{"a": 1}`},
		{"jsonb_set", []arg{jb(`[1,2]`), path("{5}"), jb("3")}, `[1, 2, 3]`},
		{"jsonb_set", []arg{jb(`[1,2]`), path("{-5}"), jb("3")}, `[3, 1, 2]`},
		{"jsonb_set", []arg{jb(`{"a":1}`), path("{b}"), jb("2"), a(sql.Bool, "false")}, `{"a": 1}`},
		{"jsonb_pretty", []arg{jb(`{"a":[1,2,{"b":null}],"c":{},"d":[]}`)}, "{\n    \"a\": [\n        1,\n        2,\n        {\n            \"b\": null\n        }\n    ],\n    \"c\": {\n    },\n    \"d\": [\n    ]\n}"},
	})
}

func TestMarkers(t *testing.T) {
	ia := func(s string) arg { return a(sql.ArrayOf(sql.Int4), s) }
	run(t, []tc{
		{"eddy_regex", []arg{txt("abc"), txt("^a.c$")}, "t"},
		{"eddy_regex", []arg{txt("abc"), txt("B")}, "f"},
		{"eddy_regex_ci", []arg{txt("abc"), txt("B")}, "t"},
		{"eddy_regex", []arg{txt("abc"), txt("(")}, "ERROR 2201B"},
		{"eddy_subscript", []arg{ia("{10,20,30}"), i4("2")}, "20"},
		{"eddy_subscript", []arg{ia("{10,20,30}"), i4("0")}, "NULL"},
		{"eddy_subscript", []arg{ia("{10,20,30}"), i4("4")}, "NULL"},
		{"eddy_subscript", []arg{ia("{{1,2},{3,4}}"), i4("2"), i4("1")}, "3"},
		{"eddy_subscript", []arg{ia("{{1,2},{3,4}}"), i4("2")}, "NULL"},
		{"eddy_slice", []arg{ia("{1,2,3,4}"), i4("2"), i4("3")}, "{2,3}"},
		{"eddy_slice", []arg{ia("{1,2,3,4}"), i4("NULL"), i4("2")}, "{1,2}"},
		{"eddy_slice", []arg{ia("{1,2,3,4}"), i4("3"), i4("NULL")}, "{3,4}"},
		{"eddy_slice", []arg{ia("{1,2,3,4}"), i4("3"), i4("2")}, "{}"},
		{"eddy_slice", []arg{ia("{1,2,3,4}"), i4("0"), i4("9")}, "{1,2,3,4}"},
	})
}

func TestJSONBOps(t *testing.T) {
	jb := func(s string) sql.Value { v, _ := sql.ParseText(s, sql.JSONB, nil); return v }
	for _, c := range []struct {
		got  func() (sql.Value, error)
		want string
	}{
		{func() (sql.Value, error) { return concatJSONB(jb(`{"a": 1}`), jb(`{"a": 2, "b": 3}`)) }, `{"a": 2, "b": 3}`},
		{func() (sql.Value, error) { return concatJSONB(jb(`1`), jb(`[2]`)) }, `[1, 2]`},
		{func() (sql.Value, error) { return deleteKeys(jb(`["a", "b", "a"]`), []sql.Value{sql.NewText("a")}) }, `["b"]`},
		{func() (sql.Value, error) { return deleteIndex(jb(`[1, 2, 3]`), -1) }, `[1, 2]`},
		{func() (sql.Value, error) {
			return pathFunc(jb(`[1, 3]`), []sql.Value{sql.NewText("1")}, jb(`2`), pathInsertBefore)
		}, `[1, 2, 3]`},
		{func() (sql.Value, error) {
			return pathFunc(jb(`[1, 2]`), []sql.Value{sql.NewText("-5")}, jb(`0`), pathCreate)
		}, `[0, 1, 2]`},
		{func() (sql.Value, error) {
			return pathFunc(jb(`{"a": {"b": 1, "c": 2}}`), []sql.Value{sql.NewText("a"), sql.NewText("b")}, sql.Null, pathDelete)
		}, `{"a": {"c": 2}}`},
		{func() (sql.Value, error) { return existsEval(jb(`"a"`), []sql.Value{sql.NewText("a")}, true) }, `t`},
	} {
		v, err := c.got()
		got := "ERROR"
		if err == nil {
			got = v.Text()
			if v.Kind() == sql.KindBool {
				got = sql.FormatText(v, sql.Bool, nil)
			}
		}
		if got != c.want {
			t.Errorf("got %s (%v), want %s", got, err, c.want)
		}
	}
	if similarToRegex(`a%(b|c)_\%.`) != `^(?:a.*(?:b|c).\%\.)$` {
		t.Errorf("similar: %s", similarToRegex(`a%(b|c)_\%.`))
	}
	if cbrt(27) != 3.0000000000000004 || cbrt(64) != 4 {
		t.Errorf("cbrt must match glibc")
	}
}
