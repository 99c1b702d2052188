package planner

import (
	"strings"

	"github.com/eddysql/eddy/catalog"
)

// SearchPathOption is the relation option under which a view, materialized
// view or sink keeps the search path it was created under (the schemas
// that existed then, in order, as search_path text). Its query text is
// stored as written, so it is bound again with that path, never the
// reader's: a view means what its creator's session meant. Relations
// without the option were created under the default path, public alone.
const SearchPathOption = "search_path"

// ParseSearchPath splits search_path text as PostgreSQL does: a comma
// list of identifiers, double quotes keeping case and commas, others
// lower-cased. "$user" is replaced by user.
func ParseSearchPath(text, user string) []string {
	var out []string
	for i := 0; i < len(text); {
		for i < len(text) && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n') {
			i++
		}
		if i >= len(text) {
			break
		}
		var name string
		if text[i] == '"' {
			var b strings.Builder
			i++
			for i < len(text) {
				if text[i] == '"' {
					if i+1 < len(text) && text[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(text[i])
				i++
			}
			name = b.String()
		} else {
			j := i
			for j < len(text) && text[j] != ',' {
				j++
			}
			name = strings.ToLower(strings.TrimSpace(text[i:j]))
			i = j
		}
		for i < len(text) && text[i] != ',' {
			i++
		}
		i++ // the comma
		if name == "$user" {
			name = user
		}
		out = append(out, name)
	}
	return out
}

// FormatSearchPath is the search_path text of a list of schema names, each
// quoted where PostgreSQL would quote it.
func FormatSearchPath(names []string) string {
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = quoteIdentIfNeeded(n)
	}
	return strings.Join(parts, ", ")
}

// quoteIdentIfNeeded quotes a name that would not read back as itself
// unquoted ("$user", mixed case, empty, commas).
func quoteIdentIfNeeded(n string) string {
	ok := n != "" && (n[0] == '_' || n[0] >= 'a' && n[0] <= 'z')
	for i := 0; ok && i < len(n); i++ {
		c := n[i]
		ok = c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
	}
	if ok {
		return n
	}
	return `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
}

// searchPath is the path unqualified names resolve through: SearchPath,
// or public alone for a planner that has none (the engine's own, binding
// stored views created before search_path was honoured).
func (p *Planner) searchPath() []string {
	if p.SearchPath == nil {
		return defaultPath
	}
	return p.SearchPath
}

var defaultPath = []string{"public"}

// relationSchemas lists, in order, the schemas an unqualified relation
// name is looked up in: the session's temporary schema first unless the
// path places pg_temp itself, then the path's other entries. pg_catalog
// and information_schema hold only system relations, which the binder
// resolves before (Virtual), so they are left out.
func (p *Planner) relationSchemas() []string {
	path := p.searchPath()
	out := make([]string, 0, len(path)+1)
	explicitTemp := false
	for _, s := range path {
		if s == "pg_temp" || (p.TempSchema != "" && s == p.TempSchema) {
			explicitTemp = true
		}
	}
	if !explicitTemp && p.TempSchema != "" {
		out = append(out, p.TempSchema)
	}
	for _, s := range path {
		switch {
		case s == "pg_temp":
			if p.TempSchema != "" {
				out = append(out, p.TempSchema)
			}
		case s == "pg_catalog" || s == "information_schema" || catalog.IsTempSchema(s) && s != p.TempSchema:
		default:
			out = append(out, s)
		}
	}
	return out
}

// lookup resolves a relation name. A qualified name looks in its schema
// (pg_temp is the session's own temporary schema; another session's
// pg_temp_N resolves to nothing); an unqualified one goes through the
// search path. Binding a stored view, the relations the view was created
// over (Pins) win over ones created since in schemas earlier on its path,
// as PostgreSQL, which binds a view once, keeps reading what it read.
func (p *Planner) lookup(schema, name string) *catalog.Relation {
	if schema != "" {
		if p.isTempName(schema) {
			if p.TempSchema == "" {
				return nil
			}
			return p.Cat.Lookup(p.TempSchema, name)
		}
		if catalog.IsTempSchema(schema) {
			return nil
		}
		return p.Cat.Lookup(schema, name)
	}
	var first *catalog.Relation
	for _, s := range p.relationSchemas() {
		r := p.Cat.Lookup(s, name)
		if r == nil {
			continue
		}
		if p.Pins == nil || p.Pins[r.OID] {
			return r
		}
		if first == nil {
			first = r
		}
	}
	return first
}

// Lookup resolves a relation name as a FROM clause does.
func (p *Planner) Lookup(schema, name string) *catalog.Relation { return p.lookup(schema, name) }

// isTempName reports whether schema names the session's temporary schema.
func (p *Planner) isTempName(schema string) bool {
	return schema == "pg_temp" || (schema != "" && schema == p.TempSchema)
}

// ForStored is the planner that binds a stored view's query: the search
// path it was created under, the relations it read pinned, and the
// session's temporary schema only if the view itself is temporary.
func (p *Planner) ForStored(rel *catalog.Relation) *Planner {
	q := *p
	q.SearchPath = defaultPath
	if v, ok := rel.Options[SearchPathOption]; ok {
		q.SearchPath = ParseSearchPath(v, "")
	}
	if !rel.IsTemp() {
		q.TempSchema = ""
	}
	q.Pins = nil
	if len(rel.DependsOn) > 0 {
		q.Pins = make(map[uint32]bool, len(rel.DependsOn))
		for _, oid := range rel.DependsOn {
			q.Pins[oid] = true
		}
	}
	return &q
}
