package sql

import "testing"

func TestParsePrepare(t *testing.T) {
	q := "select 0; PREPARE p (int, text) AS SELECT $1, $2"
	stmts, err := Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	pr, ok := stmts[1].Own.(*Prepare)
	if !ok {
		t.Fatalf("got %T", stmts[1].Own)
	}
	if pr.Name != "p" || len(pr.ParamTypes) != 2 || pr.ParamTypes[0].OID != OIDInt4 || pr.ParamTypes[1].OID != OIDText {
		t.Errorf("got %+v", pr)
	}
	if pr.Query != q || pr.Stmt.AST == nil || pr.Stmt.Text != "SELECT $1, $2" {
		t.Errorf("statement %q of %q", pr.Stmt.Text, pr.Query)
	}

	q = "EXECUTE p (1 + 2, f(3, 4), 'x')"
	stmts, err = Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	ex := stmts[0].Own.(*Execute)
	if ex.Name != "p" || len(ex.Args.Fields.Fields) != 3 {
		t.Fatalf("got %+v", ex)
	}
	for i, want := range []string{"1 + 2", "f(3, 4)", "'x'"} {
		if got := q[ex.ArgPos[i]:]; len(got) < len(want) || got[:len(want)] != want {
			t.Errorf("argument %d at %q, want %q", i, got, want)
		}
	}
	if ex, ok := prepareParseOne(t, "execute p").(*Execute); !ok || ex.Args != nil {
		t.Errorf("EXECUTE without arguments: %+v", ex)
	}

	for _, bad := range []string{"PREPARE p AS SHOW ALL", "PREPARE p AS", "PREPARE p SELECT 1", "PREPARE p AS EXPLAIN SELECT 1",
		"EXECUTE p()", "EXECUTE p(1", "EXECUTE", "PREPARE p (int AS SELECT 1"} {
		if _, err := Parse(bad); err == nil || err.(*Error).Code != CodeSyntaxError {
			t.Errorf("%s: got %v, want a syntax error", bad, err)
		}
	}
}

func prepareParseOne(t *testing.T, q string) Stmt {
	t.Helper()
	stmts, err := Parse(q)
	if err != nil || len(stmts) != 1 {
		t.Fatalf("%s: %v", q, err)
	}
	return stmts[0].Own
}
