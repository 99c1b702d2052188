package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Planner binds statements against a catalog.
type Planner struct {
	Cat *catalog.Catalog
	// Virtual resolves system relations (pg_catalog, information_schema); nil
	// when there are none.
	Virtual VirtualResolver
	// TempSchema is the session's temporary schema (pg_temp_N), searched
	// before the search path; "" when the session has none.
	TempSchema string
	// SearchPath is the session's search_path, "$user" expanded; nil means
	// public alone (searchpath_lookup.go).
	SearchPath []string
	// Pins are the relations a stored view was created over, preferred
	// where the path finds several (ForStored); nil otherwise.
	Pins map[uint32]bool
}

// VirtualResolver describes system relations by name.
type VirtualResolver interface {
	// Columns returns the columns of schema.name, ok=false if it is not a
	// system relation.
	Columns(schema, name string) (cols []Column, ok bool)
}

// Query is a planned query.
type Query struct {
	Plan   Node
	Params []sql.Type
	Access []Access
	// Functions are the user-defined functions the query calls, inlined.
	Functions []uint32
}

// binder holds the state of binding one statement.
type binder struct {
	p      *Planner
	params []sql.Type
	ctes   []map[string]*CTE // one map per WITH level, innermost last
	// access collects the privileges the statement needs (privileges.go);
	// view is the view being expanded, whose owner needs them.
	access []Access
	view   uint32
	// frames are the user-defined functions being inlined, innermost last;
	// functions collects every one the statement called (bind_udf.go).
	frames    []*fnFrame
	functions []uint32
}

func (p *Planner) newBinder(paramTypes []sql.Type) *binder {
	b := &binder{p: p}
	b.params = append(b.params, paramTypes...)
	return b
}

// PlanQuery binds a SELECT (or set operation, or VALUES) statement.
func (p *Planner) PlanQuery(stmt ast.Node, paramTypes []sql.Type) (*Query, error) {
	b := p.newBinder(paramTypes)
	n, err := b.bindQuery(stmt, nil)
	if err != nil {
		return nil, err
	}
	n = finalizeOutput(n)
	if err := b.checkParams(); err != nil {
		return nil, err
	}
	n, _ = Optimize(n)
	return &Query{Plan: n, Params: b.params, Access: b.access, Functions: b.functions}, nil
}

// finalizeOutput turns unknown-typed output columns (bare literals) into text.
func finalizeOutput(n Node) Node {
	cols := n.Columns()
	need := false
	for _, c := range cols {
		need = need || c.Type.OID == sql.OIDUnknown
	}
	if !need {
		return n
	}
	exprs := make([]Expr, len(cols))
	out := make([]Column, len(cols))
	for i, c := range cols {
		exprs[i] = &ColRef{Idx: i, Typ: c.Type}
		out[i] = c
		if c.Type.OID == sql.OIDUnknown {
			exprs[i] = &Cast{Input: exprs[i], Typ: sql.Text}
			out[i].Type = sql.Text
		}
	}
	return &Project{Input: n, Exprs: exprs, Cols: out}
}

func (b *binder) checkParams() error {
	for i, t := range b.params {
		if t.OID == sql.OIDUnknown || t.OID == 0 {
			// PostgreSQL resolves a parameter nothing constrains to text.
			b.params[i] = sql.Text
		}
	}
	return nil
}

// restore renders an AST node back to SQL text; GROUP BY matching compares
// expressions this way, as PostgreSQL compares them structurally.
func restore(n ast.Node) string {
	var sb strings.Builder
	if err := n.Restore(format.NewRestoreCtx(format.DefaultRestoreFlags, &sb)); err != nil {
		return ""
	}
	return sb.String()
}

func errUnsupported(what string) error {
	return sql.Errorf(sql.CodeFeatureNotSupported, "%s is not supported", what)
}
