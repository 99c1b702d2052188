package planner

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/eddysql/eddy/sql"
)

var rewrite = flag.Bool("rewrite", false, "rewrite testdata golden files with the current output")

// TestExplainGolden plans each query of testdata/explain.txt and compares
// EXPLAIN's output with the golden text below it. Entries are separated by
// blank lines: the query, a "----" line, then the plan.
func TestExplainGolden(t *testing.T) {
	p := testPlanner(t)
	const path = "testdata/explain.txt"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, entry := range strings.Split(strings.TrimSpace(string(data)), "\n\n") {
		query, want, _ := strings.Cut(entry+"\n", "\n----\n")
		query = strings.TrimSpace(query)
		got := explainQuery(t, p, query)
		if !*rewrite && strings.TrimSpace(want) != strings.TrimSpace(got) {
			t.Errorf("%s\n--- got\n%s--- want\n%s", query, got, want)
		}
		out.WriteString(query + "\n----\n" + got + "\n")
	}
	if *rewrite {
		if err := os.WriteFile(path, []byte(strings.TrimSpace(out.String())+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func explainQuery(t *testing.T, p *Planner, query string) string {
	t.Helper()
	stmts, err := sql.Parse(query)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	q, err := p.PlanQuery(stmts[0].AST, nil)
	if err != nil {
		return "error: " + err.Error() + "\n"
	}
	return Explain(q.Plan)
}
