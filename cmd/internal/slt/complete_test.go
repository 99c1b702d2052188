package slt

import (
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestComplete(t *testing.T) {
	div0 := &pgconn.PgError{Severity: "ERROR", Code: "22012", Message: "division by zero"}
	answers := map[string]fakeAnswer{
		"create table t (a int)":        {},
		"insert into t values (1), (2)": {count: 2},
		"select a from t":               {oids: int4, rows: [][]string{{"2"}, {"1"}}},
		"select a, 'x y' from t":        {oids: []uint32{23, 25}, rows: [][]string{{"2", "x  y"}, {"1", ""}}},
		"select 1/0":                    {err: div0},
		"select 'a.b'::int":             {err: &pgconn.PgError{Severity: "ERROR", Code: "22P02", Message: `invalid input syntax for type integer: "a.b"`}},
		"select 1":                      {oids: int4, rows: [][]string{{"1"}}},
		"boom":                          {kill: true},
	}
	src := "# header comment\n" +
		"statement ok\ncreate table t (a int)\n\n" +
		"statement count 5\ninsert into t values (1), (2)\n\n" + // count fixed
		"query I rowsort\nselect a from t\n----\n1\n2\n\n" + // passes: untouched
		"# keep me\nquery I\nselect a from t\n----\n1\n2\n\n" + // order fixed (nosort)
		"query IT rowsort\nselect a, 'x y' from t\n\n" + // no "----": added
		"statement ok\nselect 1/0\n\n" + // becomes statement error
		"query I\nselect 1/0\n----\n0\n\n" + // becomes query error
		"statement error overflow\nselect 'a.b'::int\n\n" + // regex replaced
		"statement error division by zero\nselect 1/0\n\n" + // passes
		"statement error\nselect 1\n----\ndb error: ERROR: whatever\n\n\n" + // becomes statement ok
		"query error\nselect 1\n\n" + // becomes a query
		"skipif postgresql\nquery I\nselect never\n----\n9\n\n" + // skipped: untouched
		"statement ok\nboom\n\n" + // broken connection: untouched
		"include x.slt\n" // unsupported: untouched
	res, _, _ := runFake(t, "x.slt", src, answers, Options{Complete: true})
	want := "# header comment\n" +
		"statement ok\ncreate table t (a int)\n\n" +
		"statement count 2\ninsert into t values (1), (2)\n\n" +
		"query I rowsort\nselect a from t\n----\n1\n2\n\n" +
		"# keep me\nquery I\nselect a from t\n----\n2\n1\n\n" +
		"query IT rowsort\nselect a, 'x y' from t\n----\n1 (empty)\n2 x y\n\n" +
		"statement error division by zero \\(SQLSTATE 22012\\)\nselect 1/0\n\n" +
		"query error division by zero \\(SQLSTATE 22012\\)\nselect 1/0\n\n" +
		"statement error invalid input syntax for type integer: \"a\\.b\" \\(SQLSTATE 22P02\\)\nselect 'a.b'::int\n\n" +
		"statement error division by zero\nselect 1/0\n\n" +
		"statement ok\nselect 1\n\n\n" +
		"query I\nselect 1\n----\n1\n\n" +
		"skipif postgresql\nquery I\nselect never\n----\n9\n\n" +
		"statement ok\nboom\n\n" +
		"include x.slt\n"
	if res.Completed != want {
		t.Errorf("completed script:\n%s\nwant:\n%s", res.Completed, want)
	}
	// The completed script passes, except for the records complete mode
	// leaves to a person.
	res2, _, _ := runFake(t, "x.slt", res.Completed, answers, Options{})
	if res2.Failed != 2 {
		t.Errorf("completed script: %d failed, want 2 (boom and include): %v", res2.Failed, res2.Failures)
	}
	// Without Complete, nothing is rewritten.
	res3, _, _ := runFake(t, "x.slt", src, answers, Options{})
	if res3.Completed != "" {
		t.Errorf("Completed set without Options.Complete")
	}
	if res3.Failed != res.Failed || res3.Passed != res.Passed {
		t.Errorf("complete mode changed the counts: %d/%d vs %d/%d", res.Passed, res.Failed, res3.Passed, res3.Failed)
	}
}

func TestCompleteSQLiteAndUnchanged(t *testing.T) {
	answers := map[string]fakeAnswer{"SELECT a, b FROM t1": {oids: two, rows: [][]string{{"9", "1"}, {"10", "2"}}}}
	src := "query II rowsort\nSELECT a, b FROM t1\n----\n0\n\n"
	res, _, _ := runFake(t, "x.test", src, answers, Options{Complete: true})
	if want := "query II rowsort\nSELECT a, b FROM t1\n----\n10\n2\n9\n1\n\n"; res.Completed != want {
		t.Errorf("completed:\n%q\nwant:\n%q", res.Completed, want)
	}
	// A script that passes comes back byte for byte, CRs and all.
	ok := "# c\r\nquery II rowsort\r\nSELECT a, b FROM t1\r\n----\r\n10\r\n2\r\n9\r\n1\r\n"
	res, _, _ = runFake(t, "x.test", ok, answers, Options{Complete: true})
	if res.Failed != 0 || ok != res.Completed {
		t.Errorf("unchanged script came back as %q (%d failed)", res.Completed, res.Failed)
	}
}

func TestErrorRegexMatchesItsError(t *testing.T) {
	err := &pgconn.PgError{Severity: "ERROR", Code: "42883", Message: "operator does not exist: integer + text\n(x) [y] #z"}
	rec := &record{expectError: true, errRegex: ErrorRegex(err)}
	if f := (&runner{}).checkError(rec, err); f != nil {
		t.Errorf("regex %q does not match its own error: %v", rec.errRegex, f)
	}
	other := &pgconn.PgError{Severity: "ERROR", Code: "42884", Message: err.Message}
	if f := (&runner{}).checkError(rec, other); f == nil {
		t.Errorf("regex %q matches an error with another SQLSTATE", rec.errRegex)
	}
}
