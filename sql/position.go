package sql

import (
	"regexp"
	"strings"
)

// quotedName finds the object an error names: relation "t", column "x".
var quotedName = regexp.MustCompile(`(?:column|relation|function|table|type) "([^"]+)"|function ([A-Za-z_][A-Za-z_0-9.$]*)\(|column ([A-Za-z_][A-Za-z_0-9]*\.[A-Za-z_][A-Za-z_0-9]*) does`)

// PositionOf points an error that names an identifier at that identifier's
// first occurrence in the statement, as PostgreSQL's parse-analysis errors
// do (column "x" does not exist, LINE 1: select x ... ^). The TiDB AST keeps
// no offsets, so the statement is lexed again: only a name token matches,
// never text inside a string or a comment. offset is where the statement
// starts in the query string; the result is a 1-based character position,
// or 0 when nothing matches.
func PositionOf(query string, offset, end int, e *Error) int {
	m := quotedName.FindStringSubmatch(e.Message)
	if m == nil {
		return 0
	}
	name := m[1]
	for _, alt := range m[2:] {
		if name == "" {
			name = alt
		}
	}
	if i := strings.IndexByte(name, '('); i > 0 { // function f(integer)
		name = name[:i]
	}
	parts := strings.Split(name, ".")
	last := parts[len(parts)-1]
	toks, err := lexAll(query, offset, end)
	if err != nil {
		return 0
	}
	for i, t := range toks {
		if (t.kind != tkIdent && t.kind != tkQIdent) || t.val != last {
			continue
		}
		// For a qualified name, point at its first part when it is written.
		start := t.pos
		for k := len(parts) - 2; k >= 0 && i-2*(len(parts)-1-k) >= 0; k-- {
			j := i - 2*(len(parts)-1-k)
			if toks[j+1].isP(".") && (toks[j].kind == tkIdent || toks[j].kind == tkQIdent) && toks[j].val == parts[k] {
				start = toks[j].pos
			}
		}
		return charPos(query, start)
	}
	return 0
}
