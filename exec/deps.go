package exec

import (
	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// queryDependencies lists the relations a view's query reads: the views it
// names, which the planner expands and so would otherwise leave no trace,
// and the stored relations its plan scans.
func queryDependencies(q *planner.Query) []uint32 {
	seen := map[uint32]bool{}
	var out []uint32
	for _, a := range q.Access {
		if a.View == 0 && !seen[a.Rel] {
			seen[a.Rel] = true
			out = append(out, a.Rel)
		}
	}
	for _, oid := range planDependencies(q.Plan) {
		if !seen[oid] {
			seen[oid] = true
			out = append(out, oid)
		}
	}
	return out
}

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

// checkReplaceView refuses to replace a view that a materialized view
// reads, directly or through other views: the materialized view's state
// was built by the old query and would be maintained by the new one.
func (s *Session) checkReplaceView(rel *catalog.Relation) error {
	for _, oid := range s.dependentsClosure(rel.OID) {
		if d := s.e.cat.ByOID(oid); d != nil && (d.Kind == catalog.KindMatView || isFlowSink(d)) {
			what := relationKindWord(d)
			return &sql.Error{Code: sql.CodeFeatureNotSupported,
				Message: "cannot replace view " + rel.Name + ": " + what + " " + d.Name + " depends on it",
				Hint:    "Drop the " + what + " first, or create the view under a new name."}
		}
	}
	return nil
}
