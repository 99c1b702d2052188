package sql

import (
	"reflect"
	"testing"
)

func TestParseSchemaStatements(t *testing.T) {
	cases := []struct {
		in   string
		want Stmt
	}{
		{`create schema if not exists "analytics"`, &CreateSchema{Name: "analytics", IfNotExists: true}},
		{`CREATE SCHEMA s AUTHORIZATION alice`, &CreateSchema{Name: "s", Authorization: "alice"}},
		{`CREATE SCHEMA AUTHORIZATION alice`, &CreateSchema{Name: "alice", Authorization: "alice"}},
		{`DROP SCHEMA IF EXISTS a, "B" CASCADE`, &DropSchema{Names: []string{"a", "B"}, IfExists: true, Cascade: true}},
		{`drop schema a restrict`, &DropSchema{Names: []string{"a"}}},
	}
	for _, c := range cases {
		stmts, err := Parse(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if len(stmts) != 1 || !reflect.DeepEqual(stmts[0].Own, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.in, stmts[0].Own, c.want)
		}
	}
	for _, bad := range []string{`CREATE SCHEMA`, `DROP SCHEMA`, `CREATE SCHEMA a b`, `DROP SCHEMA a,`} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%s: parsed, want a syntax error", bad)
		}
	}
}
