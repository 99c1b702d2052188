package exec

import (
	"strings"

	"github.com/eddysql/eddy/catalog/pgcatalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// systemRelations resolves pg_catalog and information_schema relations for
// the planner.
type systemRelations struct{}

func (systemRelations) Columns(schema, name string) ([]planner.Column, bool) {
	t := pgcatalog.Lookup(schema, name)
	if t == nil {
		return nil, false
	}
	cols := make([]planner.Column, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = planner.Column{Name: c.Name, Type: c.Type, TableOID: t.OID, Attnum: int16(i + 1)}
	}
	return cols, true
}

// virtualRows computes a system relation's rows for this session.
func (s *Session) virtualRows(name string) ([]sql.Row, error) {
	schema, rel, _ := strings.Cut(name, ".")
	if schema == eddyCatalog {
		return s.eddyCatalogRows(rel)
	}
	t := pgcatalog.Lookup(schema, rel)
	if t == nil {
		return nil, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", name)
	}
	return t.Rows(&pgcatalog.Context{Cat: s.e.cat, User: s.user, Database: s.database, Settings: s.settings})
}
