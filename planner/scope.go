package planner

import (
	"github.com/eddysql/eddy/sql"
)

// scope is the set of columns a query level can name: its FROM items'
// columns, in the order of the row that flows out of FROM.
type scope struct {
	cols   []Column
	parent *scope
	// agg, when set, makes this a post-aggregation scope: names resolve to
	// the grouping columns of the Aggregate output instead of FROM columns.
	agg *aggState
	// outerRefs counts references into this scope from nested subqueries.
	outerRefs int
	// fromNames are the FROM items' names seen so far, which must differ.
	fromNames map[string]bool
}

// addFromName records a FROM item's name; PostgreSQL rejects a repeat.
func (s *scope) addFromName(name string) error {
	if name == "" {
		return nil
	}
	if s.fromNames == nil {
		s.fromNames = map[string]bool{}
	}
	if s.fromNames[name] {
		return sql.Errorf(sql.CodeDuplicateAlias, "table name %q specified more than once", name)
	}
	s.fromNames[name] = true
	return nil
}

// lookup finds a column by optional table qualifier and name in this scope
// alone. It returns -1 when absent and an error when ambiguous.
func (s *scope) lookup(table, name string) (int, error) {
	found, hidden, nHidden := -1, -1, 0
	for i, c := range s.cols {
		if c.Name != name || (table != "" && c.Table != table) {
			continue
		}
		// The originals of a USING/NATURAL column are reachable only by
		// qualified name; unqualified, the merged column answers.
		if c.Hidden && table == "" {
			hidden, nHidden = i, nHidden+1
			continue
		}
		if found >= 0 {
			return -1, sql.Errorf(sql.CodeAmbiguousColumn, "column reference %q is ambiguous", name)
		}
		found = i
	}
	// A hidden column that nothing visible shadows (a source's _offset)
	// answers to its bare name, as PostgreSQL's system columns do.
	if found < 0 && nHidden > 0 {
		if nHidden > 1 {
			return -1, sql.Errorf(sql.CodeAmbiguousColumn, "column reference %q is ambiguous", name)
		}
		return hidden, nil
	}
	return found, nil
}

// hasTable reports whether a FROM item of this scope is named table.
func (s *scope) hasTable(table string) bool {
	for _, c := range s.cols {
		if c.Table == table {
			return true
		}
	}
	return false
}
