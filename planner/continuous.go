package planner

import (
	"fmt"
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// CheckContinuous reports, as a 0A000 error naming the construct, the first
// part of a plan that a continuous query (a materialized view) cannot
// maintain. A view must give the same answer as its query run in batch
// over the current inputs, so functions whose value changes with time or
// at random are refused too: maintained incrementally they would freeze
// at the value of the moment each row arrived.
func CheckContinuous(n Node) error {
	var err error
	walkPlan(n, func(n Node) bool {
		switch n := n.(type) {
		case *VirtualScan:
			err = notContinuous("system catalog " + n.Name)
		case *LateralJoin:
			err = notContinuous("a LATERAL subquery")
		case *CTERef:
			if n.CTE.Recursive != nil {
				err = notContinuous("WITH RECURSIVE")
			}
		case *WorkTable:
			err = notContinuous("WITH RECURSIVE")
		case *ProjectSet:
			for _, c := range n.Calls {
				if c.Plan != nil && err == nil {
					err = notContinuous("set-returning SQL function " + c.Name + "() in a select list")
				}
			}
		}
		exprs := NodeExprs(n)
		if f, ok := n.(*Filter); ok {
			// Temporal filters are maintained by the clock (temporal_filter.go).
			_, exprs = SplitTemporal(f.Pred)
		}
		for _, e := range exprs {
			walkExpr(e, func(e Expr) bool {
				if err != nil {
					return false
				}
				switch e := e.(type) {
				case *Subquery:
					err = notContinuous("a subquery in an expression")
				case *OuterRef:
					err = notContinuous("a correlated reference")
				case *Call:
					name := strings.ToLower(e.Fn.Name)
					// age(ts) is age(current_date, ts).
					if e.Fn.Volatile || timeDependent[name] || (name == "age" && len(e.Args) == 1) {
						err = notContinuous("function " + e.Fn.Name + "()")
						if se, ok := err.(*sql.Error); ok && nowFuncs[name] {
							se.Hint = "A view may compare a row with now() in its WHERE, as a temporal filter: " +
								"col < | <= | > | >= now() [+|- interval], or col BETWEEN now() [+|- interval] AND now() [+|- interval], ANDed with the rest."
						}
					}
				}
				return err == nil
			})
		}
		return err == nil
	})
	return err
}

// timeDependent functions are stable in PostgreSQL (fixed within a
// statement) but change between the statements that maintain a view.
var timeDependent = map[string]bool{
	"now": true, "current_timestamp": true, "current_date": true, "current_time": true,
	"localtime": true, "localtimestamp": true, "transaction_timestamp": true,
	"statement_timestamp": true, "clock_timestamp": true, "timeofday": true,
}

func notContinuous(what string) error {
	return sql.Errorf(sql.CodeFeatureNotSupported, "%s is not supported in a materialized view", what)
}

// walkPlan calls f on n and, while f returns true, on its descendants,
// including the plans of CTEs it reads.
func walkPlan(n Node, f func(Node) bool) bool {
	if !f(n) {
		return false
	}
	if r, ok := n.(*CTERef); ok {
		if !walkPlan(r.CTE.Plan, f) {
			return false
		}
	}
	for _, c := range n.Children() {
		if !walkPlan(c, f) {
			return false
		}
	}
	return true
}

// NodeExprs lists the expressions a node evaluates itself (not those of
// its inputs).
func NodeExprs(n Node) []Expr {
	var out []Expr
	keys := func(ks []SortKey) {
		for _, k := range ks {
			out = append(out, k.Expr)
		}
	}
	switch n := n.(type) {
	case *Scan:
		out = append(out, n.Key...)
		if n.Index != nil {
			for _, vals := range n.Index.Eq {
				out = append(out, vals...)
			}
			for _, b := range []*IndexBound{n.Index.Lo, n.Index.Hi} {
				if b != nil {
					out = append(out, b.Expr)
				}
			}
		}
	case *Values:
		for _, r := range n.Rows {
			out = append(out, r...)
		}
	case *Filter:
		out = append(out, n.Pred)
	case *Project:
		out = append(out, n.Exprs...)
	case *Aggregate:
		out = append(out, n.Group...)
		for _, a := range n.Aggs {
			out = append(out, a.Args...)
			if a.Filter != nil {
				out = append(out, a.Filter)
			}
			keys(a.Order)
		}
	case *Join:
		out = append(out, n.LeftKeys...)
		out = append(out, n.RightKeys...)
		if n.On != nil {
			out = append(out, n.On)
		}
	case *Sort:
		keys(n.Keys)
	case *Limit:
		for _, e := range []Expr{n.Count, n.Offset} {
			if e != nil {
				out = append(out, e)
			}
		}
	case *Distinct:
		out = append(out, n.On...)
	case *Window:
		for _, c := range n.Calls {
			out = append(out, c.Args...)
			out = append(out, c.Partition...)
			keys(c.Order)
			if c.Filter != nil {
				out = append(out, c.Filter)
			}
		}
	case *TableFunc:
		out = append(out, n.Args...)
	case *ProjectSet:
		for _, c := range n.Calls {
			out = append(out, c.Args...)
		}
	case *FuncJoin:
		out = append(out, n.Call.Args...)
		if n.On != nil {
			out = append(out, n.On)
		}
	case *LateralJoin:
		if n.On != nil {
			out = append(out, n.On)
		}
	}
	return out
}

// Continuous turns a query's plan into one a materialized view can
// maintain: subqueries become joins, and what cannot be maintained is
// refused (CheckContinuous).
func Continuous(n Node) (Node, error) {
	if HasSubquery(n) || hasLateral(n) {
		var err error
		if n, err = Decorrelate(n); err != nil {
			return nil, err
		}
		n, _ = Optimize(n) // push filters into the new joins
	}
	if err := CheckContinuous(n); err != nil {
		return nil, err
	}
	return n, nil
}

// PlanStored plans the stored query of a materialized view, as Continuous
// shapes it, and pruned (Prune) when the view was created so: a view's
// state is laid out by its plan, which must not change under it.
func (p *Planner) PlanStored(rel *catalog.Relation, prune bool) (*Query, error) {
	stmts, err := sql.Parse(rel.SQL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", rel.Name, err)
	}
	if len(stmts) != 1 || stmts[0].AST == nil {
		return nil, sql.Errorf(sql.CodeDataCorrupted, "%s: stored query is not a single SELECT", rel.Name)
	}
	q, err := p.ForStored(rel).PlanQuery(stmts[0].AST, nil)
	if err != nil {
		return nil, err
	}
	if q.Plan, err = Continuous(q.Plan); err != nil {
		return nil, err
	}
	if rel.EmitOnWindowClose {
		q.Plan = EOWCPlan(q.Plan)
	}
	if prune {
		q.Plan, _ = Prune(q.Plan)
	}
	return q, nil
}

// UniqueKey returns output columns of n that no two rows share (a GROUP BY,
// a table's primary key, the columns of a DISTINCT), or nil when it knows
// none. A materialized view stores its rows under such a key, so that
// WHERE key = x is a point lookup.
func UniqueKey(n Node) []int {
	switch n := n.(type) {
	case *Aggregate:
		if n.GroupingSets != nil || len(n.Group) == 0 {
			return nil
		}
		key := make([]int, len(n.Group))
		for i := range key {
			key[i] = i
		}
		return key
	case *Scan:
		if n.Key == nil {
			return n.Rel.PrimaryKey
		}
	case *Filter:
		return UniqueKey(n.Input)
	case *Sort:
		return UniqueKey(n.Input)
	case *Distinct:
		if n.On == nil {
			key := make([]int, len(n.Columns()))
			for i := range key {
				key[i] = i
			}
			return key
		}
	case *Project:
		in := UniqueKey(n.Input)
		if in == nil {
			return nil
		}
		var key []int
		for _, c := range in {
			found := -1
			for j, e := range n.Exprs {
				if r, ok := e.(*ColRef); ok && r.Idx == c {
					found = j
					break
				}
			}
			if found < 0 {
				return nil
			}
			key = append(key, found)
		}
		return key
	}
	return nil
}
