package exec

import (
	"fmt"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
)

// build turns a plan into operators, one buildX per node kind.
func (rt *runtime) build(n planner.Node) (Operator, error) {
	if op, ok := rt.feed[n]; ok {
		return op, nil
	}
	if rt.flow != nil {
		if op, ok, err := rt.flow.build(rt, n); ok {
			return op, err
		}
	}
	switch n := n.(type) {
	case *planner.Scan:
		if n.Rel.Kind == catalog.KindSource {
			return rt.buildSourceScan(n)
		}
		if n.Rel.Kind == catalog.KindMatView && rt.tail != nil {
			return rt.buildViewTail(n)
		}
		if n.Index != nil {
			return rt.buildIndexScan(n)
		}
		return rt.buildScan(n)
	case *planner.Values:
		return rt.buildValues(n)
	case *planner.Filter:
		return rt.buildFilter(n)
	case *planner.Project:
		return rt.buildProject(n)
	case *planner.Aggregate:
		return rt.buildAggregate(n)
	case *planner.Join:
		return rt.buildJoin(n)
	case *planner.Sort:
		return rt.buildSort(n)
	case *planner.Limit:
		return rt.buildLimit(n)
	case *planner.Distinct:
		return rt.buildDistinct(n)
	case *planner.SetOp:
		return rt.buildSetOp(n)
	case *planner.Window:
		return rt.buildWindow(n)
	case *planner.TableFunc:
		return rt.buildTableFunc(n)
	case *planner.CTERef:
		return rt.buildCTERef(n)
	case *planner.WorkTable:
		return newSliceOp(rt.work[n.CTE]), nil
	case *planner.ProjectSet:
		return rt.buildProjectSet(n)
	case *planner.FuncJoin:
		return rt.buildFuncJoin(n)
	case *planner.LateralJoin:
		return rt.buildLateralJoin(n)
	case *planner.VirtualScan:
		return rt.buildVirtualScan(n)
	}
	return nil, fmt.Errorf("exec: no operator for %T", n)
}
