package exec

import (
	"context"
	"testing"

	"github.com/eddysql/eddy/sql"
)

// query runs one statement and returns its rows.
func query(t *testing.T, s *Session, q string) []sql.Row {
	t.Helper()
	ctx := context.Background()
	sts, err := s.Parse(ctx, q, nil)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []sql.Row
	for _, st := range sts {
		res, err := st.Execute(ctx, nil)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for {
			r, ok, err := res.Next(ctx)
			if err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if !ok {
				break
			}
			out = append(out, append(sql.Row(nil), r...))
		}
		res.Close()
	}
	return out
}

func openSession(t *testing.T, dir string) (*Engine, *Session) {
	t.Helper()
	e, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := e.Connect(context.Background(), "eddy", "eddy", nil)
	if err != nil {
		t.Fatal(err)
	}
	return e, s.(*Session)
}

// TestSequenceSurvivesRestart: values handed out before a restart are
// never handed out again, and the lease keeps restarts from reusing them
// even though most nextval calls write nothing.
func TestSequenceSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e, s := openSession(t, dir)
	query(t, s, "CREATE SEQUENCE s")
	query(t, s, "CREATE TABLE t (id SERIAL PRIMARY KEY, v INT)")
	var last int64
	for i := 0; i < 100; i++ {
		last = query(t, s, "SELECT nextval('s')")[0][0].Int()
	}
	query(t, s, "INSERT INTO t (v) VALUES (1), (2), (3)")
	if last != 100 {
		t.Fatalf("last = %d", last)
	}
	s.Close()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e, s = openSession(t, dir)
	defer e.Close()
	if v := query(t, s, "SELECT nextval('s')")[0][0].Int(); v <= last {
		t.Errorf("after restart nextval = %d, want > %d", v, last)
	}
	rows := query(t, s, "INSERT INTO t (v) VALUES (4) RETURNING id")
	if id := rows[0][0].Int(); id <= 3 {
		t.Errorf("serial after restart = %d, want > 3", id)
	}
	query(t, s, "SELECT setval('s', 5, false)")
	if v := query(t, s, "SELECT nextval('s')")[0][0].Int(); v != 5 {
		t.Errorf("after setval(s, 5, false): %d", v)
	}
}

func TestCopySplitters(t *testing.T) {
	o, err := parseCopyOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	f, n, _ := splitText([]byte(`a\tb	\N	\\N	\101\x41	`), o)
	want := []string{"a\tb", "", `\N`, "AA", ""}
	wantNull := []bool{false, true, false, false, false}
	for i := range want {
		if f[i] != want[i] || n[i] != wantNull[i] {
			t.Errorf("text field %d: %q %v", i, f[i], n[i])
		}
	}
	o, _ = parseCopyOptions([]sql.Option{{Key: "format", Value: "csv"}})
	f, n = splitCSV([]byte(`1,"a,b","say ""hi""",,""`), o)
	want = []string{"1", "a,b", `say "hi"`, "", ""}
	wantNull = []bool{false, false, false, true, false}
	for i := range want {
		if f[i] != want[i] || n[i] != wantNull[i] {
			t.Errorf("csv field %d: %q %v", i, f[i], n[i])
		}
	}
}
