package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/eddysql/eddy/sql"
)

// resolveWindows prepares the window calls of one SELECT block before it is
// bound: it restores calls the dialect layer had to disguise for the TiDB
// grammar (json_arrayagg(eddy_window('name', 'flags', args...)) OVER ...),
// replaces references to the WINDOW clause by the definitions they name, and
// rejects window calls where PostgreSQL does. It rewrites the AST in place
// and is idempotent, so a statement may be bound more than once.
func resolveWindows(sel *ast.SelectStmt) error {
	defs := map[string]*ast.WindowSpec{}
	for i := range sel.WindowSpecs {
		d := &sel.WindowSpecs[i]
		name := d.Name.L
		if _, dup := defs[name]; dup {
			return sql.Errorf(sql.CodeWindowingError, "window %q is already defined", d.Name.O)
		}
		if err := checkWindowSpec(d, "window definitions"); err != nil {
			return err
		}
		if d.Ref.L != "" {
			// Only earlier definitions are visible, as in PostgreSQL.
			m, err := mergeWindow(*d, defs)
			if err != nil {
				return err
			}
			m.Name = d.Name
			*d = m
		}
		defs[name] = d
	}
	v := &winResolver{defs: defs}
	walk := func(e ast.Node, clause string) error {
		if e == nil || v.err != nil {
			return v.err
		}
		v.clause = clause
		e.Accept(v)
		return v.err
	}
	if sel.Where != nil {
		if err := walk(sel.Where, "WHERE"); err != nil {
			return err
		}
	}
	if sel.GroupBy != nil {
		for _, it := range sel.GroupBy.Items {
			if err := walk(it.Expr, "GROUP BY"); err != nil {
				return err
			}
		}
	}
	if sel.Having != nil {
		if err := walk(sel.Having.Expr, "HAVING"); err != nil {
			return err
		}
	}
	if sel.Fields != nil {
		for _, f := range sel.Fields.Fields {
			if f.Expr != nil {
				if err := walk(f.Expr, ""); err != nil {
					return err
				}
			}
		}
	}
	if sel.OrderBy != nil {
		for _, it := range sel.OrderBy.Items {
			if err := walk(it.Expr, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkWindowSpec rejects window calls inside PARTITION BY / ORDER BY.
func checkWindowSpec(s *ast.WindowSpec, where string) error {
	v := &winResolver{clause: where}
	if s.PartitionBy != nil {
		for _, it := range s.PartitionBy.Items {
			it.Expr.Accept(v)
		}
	}
	if s.OrderBy != nil {
		for _, it := range s.OrderBy.Items {
			it.Expr.Accept(v)
		}
	}
	return v.err
}

type winResolver struct {
	defs   map[string]*ast.WindowSpec
	clause string // where window calls are not allowed, or ""
	nested bool   // inside a window call's arguments
	err    error
}

func (v *winResolver) Enter(n ast.Node) (ast.Node, bool) {
	if v.err != nil {
		return n, true
	}
	switch n := n.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.SubqueryExpr:
		// Inner query levels resolve their own windows.
		return n, true
	case *ast.WindowFuncExpr:
		switch {
		case v.nested:
			v.err = sql.Errorf(sql.CodeWindowingError, "window function calls cannot be nested")
		case v.clause != "":
			v.err = sql.Errorf(sql.CodeWindowingError, "window functions are not allowed in %s", v.clause)
		}
		if v.err != nil {
			return n, true
		}
		if v.err = unwrapWindowCall(n); v.err != nil {
			return n, true
		}
		if n.Spec.Name.L != "" || n.Spec.Ref.L != "" {
			if v.defs == nil {
				v.err = sql.Errorf(sql.CodeUndefinedObject, "window %q does not exist", n.Spec.Name.O)
				return n, true
			}
			m, err := mergeWindow(n.Spec, v.defs)
			if err != nil {
				v.err = err
				return n, true
			}
			n.Spec = m
		}
		if v.err = checkWindowSpec(&n.Spec, "window definitions"); v.err != nil {
			return n, true
		}
		inner := &winResolver{defs: v.defs, nested: true}
		for _, a := range n.Args {
			a.Accept(inner)
		}
		v.err = inner.err
		return n, true
	}
	return n, false
}

func (v *winResolver) Leave(n ast.Node) (ast.Node, bool) { return n, v.err == nil }

// mergeWindow resolves OVER w and OVER (w ...) against the WINDOW clause
// with PostgreSQL's rules for what a referencing window may add.
func mergeWindow(s ast.WindowSpec, defs map[string]*ast.WindowSpec) (ast.WindowSpec, error) {
	if s.OnlyAlias {
		d, ok := defs[s.Name.L]
		if !ok {
			return s, sql.Errorf(sql.CodeUndefinedObject, "window %q does not exist", s.Name.O)
		}
		out := *d
		out.Name, out.Ref, out.OnlyAlias = ast.CIStr{}, ast.CIStr{}, false
		return out, nil
	}
	ref := s.Ref
	if ref.L == "" {
		return s, nil
	}
	d, ok := defs[ref.L]
	if !ok {
		return s, sql.Errorf(sql.CodeUndefinedObject, "window %q does not exist", ref.O)
	}
	if s.PartitionBy != nil {
		return s, sql.Errorf(sql.CodeWindowingError, "cannot override PARTITION BY clause of window %q", ref.O)
	}
	out := s
	out.Ref = ast.CIStr{}
	out.PartitionBy = d.PartitionBy
	if d.OrderBy != nil {
		if s.OrderBy != nil {
			return s, sql.Errorf(sql.CodeWindowingError, "cannot override ORDER BY clause of window %q", ref.O)
		}
		out.OrderBy = d.OrderBy
	}
	if d.Frame != nil {
		return s, sql.Errorf(sql.CodeWindowingError, "cannot copy window %q because it has a frame clause", ref.O)
	}
	return out, nil
}

// unwrapWindowCall restores json_arrayagg(eddy_window('name', 'flags',
// args...)) OVER ... (the dialect layer's form for window calls the TiDB
// grammar cannot take with OVER) into name(args...) OVER ....
func unwrapWindowCall(n *ast.WindowFuncExpr) error {
	if !strings.EqualFold(n.Name, "json_arrayagg") || len(n.Args) != 1 {
		return nil
	}
	fc, ok := n.Args[0].(*ast.FuncCallExpr)
	if !ok || fc.FnName.L != "eddy_window" || len(fc.Args) < 2 {
		return nil
	}
	name, ok1 := fc.Args[0].(*driver.ValueExpr)
	flags, ok2 := fc.Args[1].(*driver.ValueExpr)
	if !ok1 || !ok2 {
		return nil
	}
	for _, f := range strings.Fields(flags.GetString()) {
		switch f {
		case "distinct":
			n.Distinct = true
		case "order":
			return sql.Errorf(sql.CodeFeatureNotSupported, "aggregate ORDER BY is not implemented for window functions")
		}
	}
	n.Name = name.GetString()
	n.Args = fc.Args[2:]
	return nil
}
