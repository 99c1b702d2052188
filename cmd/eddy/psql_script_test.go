package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPsqlRoutineBody runs a script through psql -f, which splits it into
// statements itself: a BEGIN ATOMIC body reaches eddy whole, as one
// statement with its inner semicolons, followed by the statements after it.
func TestPsqlRoutineBody(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("did not run: psql is not installed (CI installs postgresql-client 15)")
	}
	script := filepath.Join(t.TempDir(), "f.sql")
	if err := os.WriteFile(script, []byte(`CREATE FUNCTION ps_sign(a int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 'pos' ELSE 'neg' END;
END;
CREATE FUNCTION ps_inc(a int) RETURNS int LANGUAGE sql RETURN a + 1;
SELECT ps_sign(ps_inc(-5)) AS s, ps_sign(ps_inc(0)) AS t;
`), 0o644); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(psql, "-X", "-v", "ON_ERROR_STOP=1", "-At", "-d", startEddy(t), "-f", script)
	c.Env = append(os.Environ(), "PGTZ=UTC", "LC_ALL=C.UTF-8", "PAGER=")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "CREATE FUNCTION\nCREATE FUNCTION\nneg|pos"; got != want {
		t.Fatalf("psql printed\n%s\nwant\n%s", got, want)
	}
}
