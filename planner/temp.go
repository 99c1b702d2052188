package planner

import "github.com/eddysql/eddy/catalog"

// lookup resolves a relation name as PostgreSQL's search path does for a
// session with temporary tables: pg_temp first, then public. pg_temp names
// the session's own temporary schema, and another session's pg_temp_N
// resolves to nothing.
func (p *Planner) lookup(schema, name string) *catalog.Relation {
	if schema == "" || p.isTempName(schema) {
		if p.TempSchema != "" {
			if r := p.Cat.Lookup(p.TempSchema, name); r != nil {
				return r
			}
		}
		if schema != "" {
			return nil
		}
	}
	return p.Cat.Lookup(schema, name)
}

// isTempName reports whether schema names the session's temporary schema.
func (p *Planner) isTempName(schema string) bool {
	return schema == "pg_temp" || (schema != "" && schema == p.TempSchema)
}
