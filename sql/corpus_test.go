package sql

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus reads the statements real clients sent (../shared/pgclients).
func corpus(t *testing.T, name string) []string {
	// The corpus sits next to the repository (../shared from the root); a
	// git worktree one level deeper finds it at ../../shared.
	var b []byte
	var err error
	for _, dir := range []string{"../../shared", "../../../shared"} {
		if b, err = os.ReadFile(filepath.Join(dir, "pgclients", name)); err == nil {
			break
		}
	}
	if err != nil {
		t.Skipf("shared corpus not present: %v", err)
	}
	var out []string
	for _, e := range strings.Split(string(b), "\n-- next\n") {
		var lines []string
		for _, l := range strings.Split(e, "\n") {
			if !strings.HasPrefix(l, "-- @") {
				lines = append(lines, l)
			}
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return out
}

func TestClientCorpus(t *testing.T) {
	for _, f := range []string{"psql.sql", "jdbc.sql"} {
		entries := corpus(t, f)
		ok := 0
		for i, q := range entries {
			_, err := Parse(q)
			if err != nil {
				e := AsError(err)
				rw, _ := Rewrite(q)
				t.Errorf("%s #%d: %v (pos %d near %q)\n%s\n=> %s", f, i, err, e.Position, near(q, e.Position), q, rw)
				continue
			}
			ok++
		}
		t.Logf("%s: %d of %d entries parse", f, ok, len(entries))
	}
}

func near(q string, pos int) string {
	r := []rune(q)
	if pos <= 0 || pos > len(r) {
		return ""
	}
	e := pos - 1 + 30
	if e > len(r) {
		e = len(r)
	}
	return string(r[pos-1 : e])
}
