package nexmark

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Query is one of the benchmark's queries, read from testdata/nexmark.
type Query struct {
	Name   string // q0, q1, ...
	Create string // the CREATE MATERIALIZED VIEW statement
	Select string // its query alone, to run in batch
}

var createView = regexp.MustCompile(`(?is)^\s*CREATE\s+MATERIALIZED\s+VIEW\s+(\w+)\s+AS\s+(.*?)\s*;?\s*$`)

// stripComments drops -- comments that start a line.
func stripComments(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// LoadQueries reads dir's q*.sql files, in query number order.
func LoadQueries(dir string) ([]Query, error) {
	files, err := filepath.Glob(filepath.Join(dir, "q*.sql"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no q*.sql in %s (run from the repository's root or give --dir)", dir)
	}
	var out []Query
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		text := strings.TrimSpace(stripComments(string(b)))
		m := createView.FindStringSubmatch(text)
		if m == nil {
			return nil, fmt.Errorf("%s: want one CREATE MATERIALIZED VIEW name AS query", f)
		}
		out = append(out, Query{Name: m[1], Create: text, Select: m[2]})
	}
	num := func(q Query) int { n, _ := strconv.Atoi(strings.TrimPrefix(q.Name, "q")); return n }
	sort.Slice(out, func(i, j int) bool { return num(out[i]) < num(out[j]) })
	return out, nil
}

// LoadSources reads dir/sources.sql as a list of statements.
func LoadSources(dir string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "sources.sql"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range strings.Split(stripComments(string(b)), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}
