package planner

import (
	"fmt"
	"strings"
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
		if n.Key != nil {
			return "Point Lookup on " + n.Rel.Name
		}
		return "Scan on " + n.Rel.Name
	case *Values:
		return fmt.Sprintf("Values (%d rows)", len(n.Rows))
	case *Filter:
		return "Filter"
	case *Project:
		return fmt.Sprintf("Project (%d columns)", len(n.Exprs))
	case *Aggregate:
		names := make([]string, len(n.Aggs))
		for i, a := range n.Aggs {
			names[i] = a.Func.Name
		}
		return fmt.Sprintf("Aggregate (group by %d; %s)", len(n.Group), strings.Join(names, ", "))
	case *Join:
		kind := "Hash"
		if len(n.LeftKeys) == 0 {
			kind = "Nested Loop"
		}
		return fmt.Sprintf("%s %s Join", kind, n.Kind)
	case *Sort:
		return fmt.Sprintf("Sort (%d keys)", len(n.Keys))
	case *Limit:
		return "Limit"
	case *Distinct:
		return "Distinct"
	case *SetOp:
		all := ""
		if n.All {
			all = " All"
		}
		return n.Kind.String() + all
	case *Window:
		return fmt.Sprintf("Window (%d functions)", len(n.Calls))
	case *TableFunc:
		return "Function Scan on " + n.Name
	case *CTERef:
		return "CTE Scan on " + n.CTE.Name
	case *WorkTable:
		return "WorkTable Scan on " + n.CTE.Name
	case *VirtualScan:
		return "System Scan on " + n.Name
	}
	return fmt.Sprintf("%T", n)
}
