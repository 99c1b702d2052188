package exec

import (
	"github.com/eddysql/eddy/planner"
)

// planDependencies lists the stored relations a plan reads (views are
// expanded by the planner, so their base relations appear here too).
func planDependencies(n planner.Node) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	var walk func(planner.Node)
	walk = func(n planner.Node) {
		if s, ok := n.(*planner.Scan); ok && !seen[s.Rel.OID] {
			seen[s.Rel.OID] = true
			out = append(out, s.Rel.OID)
		}
		if c, ok := n.(*planner.CTERef); ok {
			walk(c.CTE.Plan)
		}
		for _, c := range n.Children() {
			walk(c)
		}
	}
	walk(n)
	return out
}
