package pgcatalog

import (
	"time"

	"github.com/eddysql/eddy/sql"
)

// PreparedStatement is one row of pg_prepared_statements.
type PreparedStatement struct {
	Name, Statement string
	PrepareTime     time.Time
	ParamTypes      []uint32
	FromSQL         bool
}

// PreparedLister is an optional interface of Stats: the session's named
// prepared statements, which pg_prepared_statements shows.
type PreparedLister interface {
	PreparedStatements() []PreparedStatement
}

func init() {
	// PostgreSQL shows the parameter types as regtype[].
	pc := pgColumns["pg_catalog.pg_prepared_statements"]
	for i, c := range pc.Columns {
		if c.Name == "parameter_types" {
			pc.Columns[i].Type = sql.ArrayOf(typRegtype)
		}
	}
	def("pg_catalog", "pg_prepared_statements", func(ctx *Context) ([]rec, error) {
		l, ok := ctx.Stats.(PreparedLister)
		if !ok {
			return nil, nil
		}
		var out []rec
		for _, p := range l.PreparedStatements() {
			types := make([]sql.Value, len(p.ParamTypes))
			for i, oid := range p.ParamTypes {
				types[i] = sql.NewInt(int64(oid))
			}
			// eddy keeps no plan cache to count plans in: 0, as
			// PostgreSQL shows for a statement not yet run.
			out = append(out, rec{"name": p.Name, "statement": p.Statement, "prepare_time": ts(p.PrepareTime),
				"parameter_types": sql.NewArray(types), "from_sql": p.FromSQL, "generic_plans": int64(0), "custom_plans": int64(0)})
		}
		return out, nil
	})
}
