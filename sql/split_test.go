package sql

import (
	"strings"
	"testing"
)

// TestSplitRoutineBodies checks where Parse cuts a query string: never
// inside the BEGIN ATOMIC body of CREATE FUNCTION, where psql does not
// cut either, and at every top-level ';' elsewhere.
func TestSplitRoutineBodies(t *testing.T) {
	for _, tc := range []struct {
		query string
		texts []string
	}{
		{"CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END; SELECT 2",
			[]string{"CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END", "SELECT 2"}},
		{"create or replace function f(a int) returns text begin atomic select case when a > 0 then 'p' end; end;select 1;",
			[]string{"create or replace function f(a int) returns text begin atomic select case when a > 0 then 'p' end; end", "select 1"}},
		{"CREATE FUNCTION f() RETURNS int RETURN CASE WHEN true THEN 1 END; SELECT 3",
			[]string{"CREATE FUNCTION f() RETURNS int RETURN CASE WHEN true THEN 1 END", "SELECT 3"}},
		{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$; BEGIN; SELECT 1; END",
			[]string{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$", "BEGIN", "SELECT 1", "END"}},
		{"SELECT CASE WHEN true THEN 1 END; BEGIN; COMMIT",
			[]string{"SELECT CASE WHEN true THEN 1 END", "BEGIN", "COMMIT"}},
	} {
		stmts, err := Parse(tc.query)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		var got []string
		for _, s := range stmts {
			got = append(got, s.Text)
		}
		if strings.Join(got, "|") != strings.Join(tc.texts, "|") {
			t.Errorf("%s:\n got %q\nwant %q", tc.query, got, tc.texts)
		}
	}
}

func TestRoutineBody(t *testing.T) {
	for _, tc := range []struct{ query, body, err string }{
		{"CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT a + 1; END", "SELECT a + 1", ""},
		{"CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC RETURN a * 2; END", "SELECT a * 2", ""},
		{"CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC ; ; SELECT a ; END", "SELECT a", ""},
		{"CREATE FUNCTION f(a int) RETURNS int RETURN a - 1", "SELECT a - 1", ""},
		{"CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC END", "", "return type mismatch in function declared to return integer"},
		{"CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC SELECT 1; SELECT a; END", "", "more than one statement"},
		{"CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC SELECT a; END STRICT", "", "syntax error"},
		{"CREATE FUNCTION f(a int) RETURNS int BEGIN ATOMIC SELECT a;", "", "syntax error"},
		{"CREATE FUNCTION f(a int) RETURNS int RETURN a AS 'SELECT 1'", "", "syntax error"},
		{"CREATE FUNCTION f(a int) RETURNS int AS 'SELECT 1' RETURN a", "", "duplicate function body specified"},
		{"CREATE FUNCTION f(a int) RETURNS int LANGUAGE c RETURN a", "", "inline SQL function body only valid for language SQL"},
	} {
		stmts, err := Parse(tc.query)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: got %v, want an error with %q", tc.query, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		f, ok := stmts[0].Own.(*CreateFunction)
		if !ok || f.Body != tc.body || f.Src != "" || f.Language != "sql" {
			t.Errorf("%s: got %+v, want body %q", tc.query, stmts[0].Own, tc.body)
		}
	}
}
