package slt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// fakeSession answers SQL from a table, so that the runner's logic (sorting,
// hashing, labels, errors, reconnects) is tested without a server.
type fakeSession struct {
	answers map[string]fakeAnswer
	dead    bool
	log     *[]string
}

type fakeAnswer struct {
	oids  []uint32
	rows  [][]string // "NULL" is SQL NULL
	count int64
	err   error
	kill  bool // the connection breaks
}

func (s *fakeSession) exec(_ context.Context, sql string) (*resultSet, error) {
	*s.log = append(*s.log, sql)
	if s.dead {
		return nil, errors.New("conn closed")
	}
	a, ok := s.answers[sql]
	if !ok {
		return nil, &pgconn.PgError{Severity: "ERROR", Code: "42601", Message: "fake: unknown SQL " + sql}
	}
	if a.kill {
		s.dead = true
		return nil, errors.New("unexpected EOF")
	}
	if a.err != nil {
		return nil, a.err
	}
	rs := &resultSet{oids: a.oids, rowsAffected: a.count}
	for _, r := range a.rows {
		row := make([][]byte, len(r))
		for i, v := range r {
			if v != "NULL" {
				row[i] = []byte(v)
			}
		}
		rs.rows = append(rs.rows, row)
	}
	return rs, nil
}

func (s *fakeSession) broken() bool { return s.dead }
func (s *fakeSession) close()       {}

func runFake(t *testing.T, name, src string, answers map[string]fakeAnswer, opts Options) (Result, []string, int) {
	t.Helper()
	var log []string
	dials := 0
	dial := func(context.Context) (session, error) {
		dials++
		return &fakeSession{answers: answers, log: &log}, nil
	}
	res, err := runScript(context.Background(), dial, name, src, opts)
	if err != nil {
		t.Fatalf("runScript: %v", err)
	}
	return res, log, dials
}

var (
	int4 = []uint32{23}
	two  = []uint32{23, 23}
)

func TestRunSQLite(t *testing.T) {
	answers := map[string]fakeAnswer{
		"CREATE TABLE t1(a INTEGER)": {},
		"SELECT a, b FROM t1":        {oids: two, rows: [][]string{{"9", "1"}, {"10", "2"}, {"NULL", "3"}, {"4", "4"}, {"5", "5"}}},
		"SELECT 2.5":                 {oids: int4, rows: [][]string{{"2.5"}}},
		"SELECT bad":                 {err: &pgconn.PgError{Severity: "ERROR", Message: "no such column"}},
	}
	// 10 values hash; the default threshold of 8 applies without a
	// hash-threshold record.
	hash := hashValues([]string{"10", "2", "4", "4", "5", "5", "9", "1", "NULL", "3"})
	src := "statement ok\nCREATE TABLE t1(a INTEGER)\n\n" +
		"query II rowsort label-a\nSELECT a, b FROM t1\n----\n10 values hashing to " + hash + "\n\n" +
		"query II nosort label-a\nSELECT a, b FROM t1\n----\n10 values hashing to 0\n\n" + // label mismatch
		"query I nosort\nSELECT 2.5\n----\n2\n\n" +
		"statement error\nSELECT bad\n\n" +
		"statement ok\nSELECT bad\n\n" + // fails
		"skipif PostgreSQL\nstatement ok\nSELECT never\n\n" +
		"onlyif mysql\nstatement ok\nSELECT never\n\n" +
		"query T nosort\nSELECT 2.5\n----\n2.5\n\n" +
		"onlyif postgresql\nhalt\n\n" +
		"statement ok\nSELECT never\n"
	res, log, _ := runFake(t, "x.test", src, answers, Options{})
	if res.Passed != 5 || res.Failed != 2 || res.Skipped != 2 {
		t.Errorf("passed/failed/skipped = %d/%d/%d, want 5/2/2; failures: %v", res.Passed, res.Failed, res.Skipped, res.Failures)
	}
	for _, sql := range log {
		if sql == "SELECT never" {
			t.Errorf("ran a skipped or halted record")
		}
	}
	wantLines := []int{9, 22}
	for i, f := range res.Failures {
		if i < len(wantLines) && f.Line != wantLines[i] {
			t.Errorf("failure %d at line %d, want %d: %v", i, f.Line, wantLines[i], f)
		}
	}
	if f := res.Failures[0]; !strings.Contains(f.Err, "label-a") {
		t.Errorf("label failure not reported as such: %v", f)
	}
}

func TestRunRS(t *testing.T) {
	answers := map[string]fakeAnswer{
		"insert into t values (1), (2);": {count: 2},
		"select * from t;": {oids: []uint32{23, 25, 16}, rows: [][]string{
			{"2", "", "f"}, {"1", "NULL", "t"},
		}},
		"select 1/0": {err: &pgconn.PgError{Severity: "ERROR", Code: "22012", Message: "division by zero"}},
		"boom":       {kill: true},
		"select 1":   {oids: int4, rows: [][]string{{"1"}}},
	}
	src := "statement count 2\ninsert into t values (1), (2);\n\n" +
		"statement count 3\ninsert into t values (1), (2);\n\n" + // fails
		"query ITB rowsort\nselect * from t;\n----\n1   NULL t\n2 (empty) f\n\n" +
		"query I\nselect * from t;\n----\n1 NULL t\n2 (empty) f\n\n" + // fails: server order
		"query error division\nselect 1/0\n\n" +
		"statement error ^division by zero$\nselect 1/0\n\n" +
		"statement error (22012)\nselect 1/0\n\n" +
		"statement error overflow\nselect 1/0\n\n" + // fails
		"statement error\nselect 1/0\n----\ndb error: ERROR: division by zero\n\n\n" +
		"statement ok\nboom\n\n" + // fails, reconnects
		"query I\nselect 1\n----\n1\n\n" +
		"include foo.slt\n\n" + // fails
		"statement ok\nselect 1\n"
	res, _, dials := runFake(t, "x.slt", src, answers, Options{})
	if res.Passed != 8 || res.Failed != 5 {
		t.Errorf("passed/failed = %d/%d, want 8/5; failures:\n%v", res.Passed, res.Failed, res.Failures)
	}
	if dials != 2 {
		t.Errorf("dialled %d times, want 2 (one reconnect)", dials)
	}
	wantLines := []int{4, 13, 28, 37, 45}
	for i, f := range res.Failures {
		if i < len(wantLines) && f.Line != wantLines[i] {
			t.Errorf("failure %d at line %d, want %d: %v", i, f.Line, wantLines[i], f)
		}
	}
}

func TestRunOptions(t *testing.T) {
	answers := map[string]fakeAnswer{"SELECT 1 FROM eddy": {oids: int4, rows: [][]string{{"1"}}}}
	src := "query I\nSELECT 1 FROM dual\n----\n2\n\nquery I\nSELECT 1 FROM dual\n----\n1\n\nquery I\nSELECT 1 FROM dual\n----\n2\n"
	res, _, _ := runFake(t, "x.slt", src, answers, Options{
		Rewrite:     func(s string) string { return strings.ReplaceAll(s, "dual", "eddy") },
		MaxFailures: 1,
	})
	if res.Passed != 0 || res.Failed != 1 {
		t.Errorf("passed/failed = %d/%d, want 0/1 (stop after the first failure)", res.Passed, res.Failed)
	}
	if got := res.Failures[0].SQL; got != "SELECT 1 FROM eddy" {
		t.Errorf("failure shows SQL %q, want the rewritten SQL", got)
	}
}

// TestAgainstPostgres checks the runner against real PostgreSQL, which must
// pass every record of select1.test and of testdata/postgres.slt. The
// integrator runs it with for example
// SLT_PG_CONN=postgres://root:x@127.0.0.1:5432/slt.
func TestAgainstPostgres(t *testing.T) {
	conn := os.Getenv("SLT_PG_CONN")
	if conn == "" {
		t.Skip("SLT_PG_CONN is not set: not run against PostgreSQL")
	}
	ctx := context.Background()
	files := []string{"testdata/postgres.slt"}
	if dir := sharedDir(t); dir != "" {
		files = append(files, filepath.Join(dir, "slt", "sqlite", "select1.test"))
	} else {
		t.Log("../shared not found (set EDDY_SHARED): select1.test did not run")
	}
	for i, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			// A fresh schema per file, since the scripts reuse table names.
			schema := fmt.Sprintf("slt_test_%d", i)
			c, err := pgconn.Connect(ctx, conn)
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			defer c.Close(ctx)
			if _, err := c.Exec(ctx, fmt.Sprintf("DROP SCHEMA IF EXISTS %[1]s CASCADE; CREATE SCHEMA %[1]s", schema)).ReadAll(); err != nil {
				t.Fatalf("create schema: %v", err)
			}
			res, err := RunFile(ctx, withSearchPath(conn, schema), file, Options{Logf: t.Logf, MaxFailures: 10})
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed > 0 || res.Passed == 0 {
				t.Errorf("%s: %d passed, %d failed", file, res.Passed, res.Failed)
			}
		})
	}
}

// sharedDir finds the shared corpora: $EDDY_SHARED, or ../shared beside the
// repository root.
func sharedDir(t *testing.T) string {
	if d := os.Getenv("EDDY_SHARED"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	shared := filepath.Join(filepath.Dir(dir), "shared")
	if _, err := os.Stat(filepath.Join(shared, "slt")); err != nil {
		return ""
	}
	return shared
}

// withSearchPath adds a search_path run-time parameter to a URL or a
// keyword/value connection string.
func withSearchPath(conn, schema string) string {
	if !strings.HasPrefix(conn, "postgres://") && !strings.HasPrefix(conn, "postgresql://") {
		return conn + " search_path=" + schema
	}
	if strings.Contains(conn, "?") {
		return conn + "&search_path=" + schema
	}
	return conn + "?search_path=" + schema
}
