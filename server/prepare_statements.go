package server

import (
	"sort"

	"github.com/eddysql/eddy/sql"
)

// The connection's named prepared statements, offered to the session
// (PreparedStatements): the unnamed statement is the protocol's scratch
// slot, which PostgreSQL neither lists nor lets SQL name.

// Prepared implements PreparedStatements.
func (c *conn) Prepared(name string) (Statement, bool) {
	ps, ok := c.stmts[name]
	if !ok || name == "" || ps.stmt == nil {
		return nil, false
	}
	return ps.stmt, true
}

// AddPrepared implements PreparedStatements.
func (c *conn) AddPrepared(p PreparedInfo) error {
	if _, dup := c.stmts[p.Name]; dup {
		return sql.Errorf("42P05", "prepared statement %q already exists", p.Name)
	}
	c.stmts[p.Name] = &prepared{query: p.Query, stmt: p.Stmt, params: p.Stmt.ParamTypes(), cols: p.Stmt.Columns(),
		made: p.Time, fromSQL: true}
	return nil
}

// DropPrepared implements PreparedStatements.
func (c *conn) DropPrepared(name string) bool {
	if _, ok := c.stmts[name]; !ok || name == "" {
		return false
	}
	delete(c.stmts, name)
	return true
}

// DropAllPrepared implements PreparedStatements. The unnamed statement
// stays: it is not in PostgreSQL's table of prepared statements.
func (c *conn) DropAllPrepared() {
	for name := range c.stmts {
		if name != "" {
			delete(c.stmts, name)
		}
	}
}

// ListPrepared implements PreparedStatements.
func (c *conn) ListPrepared() []PreparedInfo {
	out := make([]PreparedInfo, 0, len(c.stmts))
	for name, ps := range c.stmts {
		if name == "" {
			continue
		}
		out = append(out, PreparedInfo{Name: name, Query: ps.query, Stmt: ps.stmt, Time: ps.made, FromSQL: ps.fromSQL, ParamOID: ps.params})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
