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
	cols := make([]planner.Column, len(t.Columns), len(t.Columns)+1)
	for i, c := range t.Columns {
		cols[i] = planner.Column{Name: c.Name, Type: c.Type, TableOID: t.OID, Attnum: int16(i + 1)}
	}
	if t.OID != 0 {
		// The system column tableoid, which catalog queries join on
		// (DBD::Pg: c.tableoid = d.classoid for pg_description). Hidden,
		// so * leaves it out; buildVirtualScan fills it in.
		cols = append(cols, planner.Column{Name: "tableoid", Type: sql.Oid, TableOID: t.OID, Attnum: -6, Hidden: true})
	}
	return cols, true
}

// withTableOID appends the hidden tableoid column that Columns declares,
// when the scan has one more column than the relation's rows.
func withTableOID(rows []sql.Row, cols []planner.Column) []sql.Row {
	if len(cols) == 0 || len(rows) == 0 || len(rows[0]) != len(cols)-1 {
		return rows
	}
	last := cols[len(cols)-1]
	if !last.Hidden || last.Name != "tableoid" {
		return rows
	}
	oid := sql.NewInt(int64(last.TableOID))
	for i, r := range rows {
		rows[i] = append(r[:len(r):len(r)], oid)
	}
	return rows
}

// virtualRows computes a system relation's rows for this session.
func (s *Session) virtualRows(name string) ([]sql.Row, error) {
	schema, rel, _ := strings.Cut(name, ".")
	if schema == eddyCatalog {
		return s.eddyCatalogRows(rel)
	}
	if schema == planner.SequenceRelSchema {
		return s.e.sequenceRows(rel)
	}
	t := pgcatalog.Lookup(schema, rel)
	if t == nil {
		return nil, sql.Errorf(sql.CodeUndefinedTable, "relation %q does not exist", name)
	}
	return t.Rows(&pgcatalog.Context{Cat: s.e.cat, User: s.user, Database: s.database, Settings: s.settings, Stats: stats{s}})
}
