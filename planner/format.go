package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/sql"
)

// FormatExpr renders an expression for EXPLAIN, naming columns of the row
// it reads (cols).
func FormatExpr(e Expr, cols []Column) string {
	switch e := e.(type) {
	case nil:
		return ""
	case *ColRef:
		if e.Idx < len(cols) {
			c := cols[e.Idx]
			if c.Table != "" {
				return c.Table + "." + c.Name
			}
			return c.Name
		}
		return fmt.Sprintf("#%d", e.Idx)
	case *OuterRef:
		return fmt.Sprintf("outer%d.#%d", e.Level, e.Idx)
	case *Const:
		if e.Val.IsNull() {
			return "NULL"
		}
		s := sql.FormatText(e.Val, e.Typ, time.UTC)
		switch e.Val.Kind() {
		case sql.KindInt, sql.KindFloat, sql.KindNumeric, sql.KindBool:
			return s
		}
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case *Param:
		return fmt.Sprintf("$%d", e.Idx+1)
	case *Cast:
		return "(" + FormatExpr(e.Input, cols) + ")::" + e.Typ.String()
	case *Call:
		return e.Fn.Name + "(" + formatList(e.Args, cols) + ")"
	case *BinOp:
		return "(" + FormatExpr(e.L, cols) + " " + e.Op.String() + " " + FormatExpr(e.R, cols) + ")"
	case *Neg:
		return "-" + FormatExpr(e.Input, cols)
	case *BitNot:
		return "~" + FormatExpr(e.Input, cols)
	case *And:
		parts := make([]string, len(e.Args))
		for i, a := range e.Args {
			parts[i] = FormatExpr(a, cols)
			if _, ok := a.(*Or); ok {
				parts[i] = "(" + parts[i] + ")" // OR binds looser than AND
			}
		}
		return strings.Join(parts, " AND ")
	case *Or:
		return joinExprs(e.Args, " OR ", cols)
	case *Not:
		return "NOT " + FormatExpr(e.Input, cols)
	case *IsNull:
		if e.Not {
			return FormatExpr(e.Input, cols) + " IS NOT NULL"
		}
		return FormatExpr(e.Input, cols) + " IS NULL"
	case *IsBool:
		not := ""
		if e.Not {
			not = "NOT "
		}
		return fmt.Sprintf("%s IS %s%v", FormatExpr(e.Input, cols), not, strings.ToUpper(fmt.Sprint(e.Val)))
	case *Case:
		var sb strings.Builder
		sb.WriteString("CASE")
		for _, w := range e.Whens {
			sb.WriteString(" WHEN " + FormatExpr(w.Cond, cols) + " THEN " + FormatExpr(w.Result, cols))
		}
		if e.Else != nil {
			sb.WriteString(" ELSE " + FormatExpr(e.Else, cols))
		}
		return sb.String() + " END"
	case *Coalesce:
		return "COALESCE(" + formatList(e.Args, cols) + ")"
	case *MinMax:
		if e.Greatest {
			return "GREATEST(" + formatList(e.Args, cols) + ")"
		}
		return "LEAST(" + formatList(e.Args, cols) + ")"
	case *InList:
		not := ""
		if e.Not {
			not = "NOT "
		}
		return FormatExpr(e.Input, cols) + " " + not + "IN (" + formatList(e.List, cols) + ")"
	case *Like:
		op := "LIKE"
		if e.CaseInsensitive {
			op = "ILIKE"
		}
		if e.Not {
			op = "NOT " + op
		}
		return FormatExpr(e.Input, cols) + " " + op + " " + FormatExpr(e.Pattern, cols)
	case *Subquery:
		kind := [...]string{"SubPlan", "EXISTS(SubPlan)", "ANY(SubPlan)", "ALL(SubPlan)", "ARRAY(SubPlan)"}[e.Kind]
		if e.Left != nil {
			return FormatExpr(e.Left, cols) + " " + e.Op.String() + " " + kind
		}
		return kind
	case *ArrayCmp:
		q := "ANY"
		if e.All {
			q = "ALL"
		}
		return FormatExpr(e.Left, cols) + " " + e.Op.String() + " " + q + "(" + FormatExpr(e.Array, cols) + ")"
	case *ArrayLit:
		return "ARRAY[" + formatList(e.Elems, cols) + "]"
	case *RowLit:
		return "ROW(" + formatList(e.Elems, cols) + ")"
	case *FieldSelect:
		return fmt.Sprintf("(%s).f%d", FormatExpr(e.Input, cols), e.Idx+1)
	}
	return fmt.Sprintf("%T", e)
}

func formatList(es []Expr, cols []Column) string {
	return joinExprs(es, ", ", cols)
}

func joinExprs(es []Expr, sep string, cols []Column) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = FormatExpr(e, cols)
	}
	return strings.Join(parts, sep)
}
