package builtin

import (
	"regexp"
	"testing"

	"github.com/eddysql/eddy/sql"
)

func TestMisc(t *testing.T) {
	ia := func(s string) arg { return a(sql.ArrayOf(sql.Int4), s) }
	oid := func(s string) arg { return a(sql.Oid, s) }
	run(t, []tc{
		{"version", nil, Version},
		{"current_user", nil, "alice"},
		{"session_user", nil, "alice"},
		{"current_database", nil, "shop"},
		{"current_catalog", nil, "shop"},
		{"current_schema", nil, "public"},
		{"current_schemas", []arg{a(sql.Bool, "true")}, "{pg_catalog,public}"},
		{"current_schemas", []arg{a(sql.Bool, "false")}, "{public}"},
		{"current_setting", []arg{txt("DateStyle")}, "ISO, MDY"},
		{"current_setting", []arg{txt("foo")}, "ERROR 42704"},
		{"current_setting", []arg{txt("foo"), a(sql.Bool, "true")}, "NULL"},
		{"pg_typeof", []arg{num("1.5")}, "numeric"},
		{"pg_typeof", []arg{ia("{1}")}, "integer[]"},
		{"format_type", []arg{oid("1007"), i4("-1")}, "integer[]"},
		{"format_type", []arg{oid("1043"), i4("14")}, "character varying(10)"},
		{"format_type", []arg{oid("NULL"), i4("1")}, "NULL"},
		{"format_type", []arg{oid("23"), i4("NULL")}, "integer"},
		{"pg_encoding_to_char", []arg{i4("6")}, "UTF8"},
		{"has_table_privilege", []arg{txt("t"), txt("select")}, "t"},
		{"array_length", []arg{ia("{{1,2,3},{4,5,6}}"), i4("2")}, "3"},
		{"array_length", []arg{ia("{}"), i4("1")}, "NULL"},
		{"cardinality", []arg{ia("{}")}, "0"},
		{"cardinality", []arg{ia("{{1,2},{3,4}}")}, "4"},
		{"array_lower", []arg{ia("{1,2}"), i4("1")}, "1"},
		{"array_upper", []arg{ia("{1,2}"), i4("2")}, "NULL"},
		{"array_position", []arg{ia("{1,NULL,3}"), i4("NULL")}, "2"},
		{"array_position", []arg{ia("{1,2,3}"), i4("3")}, "3"},
		{"array_append", []arg{ia("NULL"), i4("1")}, "{1}"},
		{"array_cat", []arg{ia("{1}"), ia("{2,3}")}, "{1,2,3}"},
		{"array_remove", []arg{ia("{1,2,1}"), i4("1")}, "{2}"},
		{"array_replace", []arg{ia("{1,2,1}"), i4("1"), i4("9")}, "{9,2,9}"},
		{"array_dims", []arg{ia("{{1,2},{3,4}}")}, "[1:2][1:2]"},
	})
	u, err := resolve(t, "gen_random_uuid", nil).Call(testCtx(), nil, nil)
	if err != nil || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u.Text()) {
		t.Errorf("gen_random_uuid() = %q, %v", u.Text(), err)
	}
}
