package exec

import (
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// systemRelations resolves pg_catalog and information_schema relations.
// None are built yet: names fall through to the catalog, which reports
// them as missing.
type systemRelations struct{}

func (systemRelations) Columns(schema, name string) ([]planner.Column, bool) { return nil, false }

func (s *Session) virtualRows(name string) ([]sql.Row, error) {
	return nil, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", name)
}
