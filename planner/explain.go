package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// Explain renders a plan as an indented tree, one node per line.
func Explain(n Node) string {
	var sb strings.Builder
	explain(&sb, n, 0)
	return sb.String()
}

func explain(sb *strings.Builder, n Node, depth int) {
	sb.WriteString(strings.Repeat("  ", depth))
	if depth > 0 {
		sb.WriteString("-> ")
	}
	sb.WriteString(describe(n))
	sb.WriteByte('\n')
	for _, c := range n.Children() {
		explain(sb, c, depth+1)
	}
}

func describe(n Node) string {
	switch n := n.(type) {
	case *Scan:
		if n.Index != nil {
			return describeIndexScan(n)
		}
		if n.Key != nil {
			keys := make([]string, len(n.Key))
			for i, k := range n.Key {
				keys[i] = n.Rel.Columns[n.Rel.PrimaryKey[i]].Name + " = " + FormatExpr(k, nil)
			}
			return "Point Lookup on " + n.Rel.Name + " (" + strings.Join(keys, ", ") + ")"
		}
		return "Scan on " + n.Rel.Name
	case *Values:
		return fmt.Sprintf("Values (%d rows)", len(n.Rows))
	case *Filter:
		return "Filter: " + FormatExpr(n.Pred, n.Input.Columns())
	case *Project:
		if call, ok := tumbleProject(n); ok {
			return "Tumble: " + windowArgs(call.Args, []string{"size", "offset"}, n.Input.Columns())
		}
		return "Project: " + formatList(n.Exprs, n.Input.Columns())
	case *Aggregate:
		in := n.Input.Columns()
		aggs := make([]string, len(n.Aggs))
		for i, a := range n.Aggs {
			args := formatList(a.Args, in)
			if a.Distinct {
				args = "DISTINCT " + args
			}
			if args == "" {
				args = "*"
			}
			aggs[i] = a.Func.Name + "(" + args + ")"
			if a.Filter != nil {
				aggs[i] += " FILTER (WHERE " + FormatExpr(a.Filter, in) + ")"
			}
		}
		s := "Aggregate:"
		if len(aggs) > 0 {
			s += " " + strings.Join(aggs, ", ")
		}
		if len(n.Group) > 0 {
			s += " GROUP BY " + formatList(n.Group, in)
		}
		return s
	case *Join:
		kind := "Hash"
		if len(n.LeftKeys) == 0 {
			kind = "Nested Loop"
		}
		if n.Temporal {
			kind = "Temporal " + kind
		}
		if n.Asof {
			kind = "Asof " + kind
		}
		var conds []string
		lc, rc := n.Left.Columns(), n.Right.Columns()
		for i := range n.LeftKeys {
			conds = append(conds, FormatExpr(n.LeftKeys[i], lc)+" = "+FormatExpr(n.RightKeys[i], rc))
		}
		if n.On != nil {
			// On reads both inputs' columns, which a semi or anti join's
			// output (the left's) does not have.
			conds = append(conds, FormatExpr(n.On, append(append([]Column(nil), lc...), rc...)))
		}
		s := fmt.Sprintf("%s %s Join", kind, n.Kind)
		if len(conds) > 0 {
			s += ": " + strings.Join(conds, " AND ")
		}
		return s
	case *Sort:
		in := n.Input.Columns()
		keys := make([]string, len(n.Keys))
		for i, k := range n.Keys {
			keys[i] = FormatExpr(k.Expr, in)
			if k.Desc {
				keys[i] += " DESC"
			}
		}
		return "Sort: " + strings.Join(keys, ", ")
	case *Limit:
		s := "Limit"
		if n.Count != nil {
			s += " " + FormatExpr(n.Count, nil)
		}
		if n.Offset != nil {
			s += " OFFSET " + FormatExpr(n.Offset, nil)
		}
		return s
	case *Distinct:
		return "Distinct"
	case *SetOp:
		all := ""
		if n.All {
			all = " All"
		}
		return n.Kind.String() + all
	case *Window:
		names := make([]string, len(n.Calls))
		for i, c := range n.Calls {
			names[i] = c.Func + "(" + formatList(c.Args, n.Input.Columns()) + ")"
		}
		return "Window: " + strings.Join(names, ", ")
	case *TableFunc:
		return "Function Scan on " + n.Name
	case *ProjectSet:
		names := make([]string, len(n.Calls))
		for i, c := range n.Calls {
			names[i] = c.Name + "(" + formatList(c.Args, n.Input.Columns()) + ")"
		}
		return "ProjectSet: " + strings.Join(names, ", ")
	case *FuncJoin:
		if n.Call.Name == "eddy_hop" && !n.Outer && n.On == nil {
			return "Hop: " + windowArgs(n.Call.Args, []string{"slide", "size", "offset"}, n.Left.Columns())
		}
		kind := "Inner"
		if n.Outer {
			kind = "Left"
		}
		return fmt.Sprintf("Function %s Join: %s(%s)", kind, n.Call.Name, formatList(n.Call.Args, n.Left.Columns()))
	case *LateralJoin:
		if n.Outer {
			return "Lateral Left Join"
		}
		return "Lateral Join"
	case *CTERef:
		return "CTE Scan on " + n.CTE.Name
	case *WorkTable:
		return "WorkTable Scan on " + n.CTE.Name
	case *VirtualScan:
		return "System Scan on " + n.Name
	}
	return fmt.Sprintf("%T", n)
}

// tumbleProject recognizes the Project that TUMBLE binds to: every input
// column, then eddy_tumble_start and eddy_tumble_end.
func tumbleProject(p *Project) (*Call, bool) {
	in := p.Input.Columns()
	if len(p.Exprs) != len(in)+2 {
		return nil, false
	}
	for i := range in {
		if c, ok := p.Exprs[i].(*ColRef); !ok || c.Idx != i {
			return nil, false
		}
	}
	start, ok1 := p.Exprs[len(in)].(*Call)
	end, ok2 := p.Exprs[len(in)+1].(*Call)
	if !ok1 || !ok2 || start.Fn.Name != "eddy_tumble_start" || end.Fn.Name != "eddy_tumble_end" {
		return nil, false
	}
	return start, true
}

// windowArgs formats a time window's arguments: the time column, then each
// interval by name, leaving out a zero offset.
func windowArgs(args []Expr, names []string, cols []Column) string {
	parts := []string{FormatExpr(args[0], cols)}
	for i, name := range names {
		a := args[1+i]
		if c, ok := a.(*Const); ok && name == "offset" && !c.Val.IsNull() && c.Val.Interval() == (sql.IntervalValue{}) {
			continue
		}
		parts = append(parts, name+" "+FormatExpr(a, cols))
	}
	return strings.Join(parts, ", ")
}
