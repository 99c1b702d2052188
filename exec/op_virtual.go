package exec

import (
	"github.com/eddysql/eddy/planner"
)

// buildVirtualScan reads a system relation. The catalog views are built by
// the session from the catalog at the statement's start.
func (rt *runtime) buildVirtualScan(n *planner.VirtualScan) (Operator, error) {
	rows, err := rt.s.virtualRows(n.Name)
	if err != nil {
		return nil, err
	}
	return newSliceOp(withTableOID(rows, n.Cols)), nil
}
