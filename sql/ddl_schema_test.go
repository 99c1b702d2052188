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

func TestParseTempViewAndSequence(t *testing.T) {
	for _, c := range []struct {
		in        string
		orReplace bool
	}{
		{`CREATE TEMP VIEW v AS SELECT 1`, false},
		{`create or replace temporary view v as select 1`, true},
		{`CREATE LOCAL TEMP VIEW v AS SELECT 1`, false},
	} {
		stmts, err := Parse(c.in)
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		v, ok := stmts[0].Own.(*CreateView)
		if !ok || !v.Temporary || v.OrReplace != c.orReplace || v.Name.Name != "v" || v.Materialized {
			t.Errorf("%s: got %#v", c.in, stmts[0].Own)
		}
	}
	stmts, err := Parse(`CREATE TEMPORARY SEQUENCE s START 5`)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := stmts[0].Own.(*CreateSequence); !ok || !s.Temporary || s.Name.Name != "s" || s.Start == nil || *s.Start != 5 {
		t.Errorf("CREATE TEMPORARY SEQUENCE: got %#v", stmts[0].Own)
	}
	if _, err := Parse(`CREATE TEMP MATERIALIZED VIEW v AS SELECT 1`); err == nil {
		t.Error("CREATE TEMP MATERIALIZED VIEW parsed, want a syntax error")
	}
}

func TestParseAlterSchema(t *testing.T) {
	for in, want := range map[string]*AlterSchema{
		`ALTER SCHEMA a RENAME TO "B"`: {Name: "a", RenameTo: "B"},
		`alter schema a owner to bob`:  {Name: "a", OwnerTo: "bob"},
	} {
		stmts, err := Parse(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !reflect.DeepEqual(stmts[0].Own, want) {
			t.Errorf("%s: got %#v, want %#v", in, stmts[0].Own, want)
		}
	}
	if _, err := Parse(`ALTER SCHEMA a`); err == nil {
		t.Error("ALTER SCHEMA a parsed, want a syntax error")
	}
}
