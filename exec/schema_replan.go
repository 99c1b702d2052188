package exec

import (
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// replanState lets a prepared query or DML statement be planned again
// when what it was bound against changed (the catalog, the search path,
// the temporary schema), as PostgreSQL revalidates a cached plan: a plan
// over a dropped, recreated or altered table would read rows of another
// shape. The result's shape may not change; PostgreSQL refuses that too.
type replanState struct {
	src        sql.Statement
	paramTypes []sql.Type
	stamp      planStamp
}

// planStamp is what a plan depends on besides its text.
type planStamp struct {
	version uint64
	path    string
	slot    int
}

func (s *Session) planStamp() planStamp {
	return planStamp{version: s.e.cat.Version(), path: s.settings["search_path"], slot: s.temp.slot}
}

// replannable reports whether st binds relations and runs from a plan
// made at Parse: queries and DML; eddy's own statements resolve their
// names when they run.
func replannable(st sql.Statement) bool {
	if st.Own != nil {
		return false
	}
	switch st.AST.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		return true
	}
	return false
}

// keepForReplan records how to plan p again; stamp is taken before p was
// planned, so that a change during planning is not missed.
func (s *Session) keepForReplan(p *statement, st sql.Statement, paramTypes []sql.Type, stamp planStamp) {
	if replannable(st) {
		p.replan = &replanState{src: st, paramTypes: paramTypes, stamp: stamp}
	}
}

// revalidate plans st again if what it was planned against has changed
// since, keeping its parameter and result types.
func (st *statement) revalidate() error {
	r := st.replan
	if r == nil {
		return nil
	}
	s := st.s
	stamp := s.planStamp()
	if stamp == r.stamp {
		return nil
	}
	np, err := s.prepare(r.src, r.paramTypes)
	if err != nil {
		return err
	}
	if !sameColumns(np.cols, st.cols) {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cached plan must not change result type")
	}
	if len(np.params) != len(st.params) {
		return sql.Errorf(sql.CodeFeatureNotSupported, "cached plan must not change parameter types")
	}
	for i := range np.params {
		if np.params[i].OID != st.params[i].OID {
			return sql.Errorf(sql.CodeFeatureNotSupported, "cached plan must not change parameter types")
		}
	}
	st.run, st.access, st.check = np.run, np.access, np.check
	r.stamp = stamp
	return nil
}

// sameColumns compares result shapes as PostgreSQL's equalTupleDescs
// does for a cached plan: names and types.
func sameColumns(a, b []server.Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type.OID != b[i].Type.OID || a[i].Type.Mod != b[i].Type.Mod {
			return false
		}
	}
	return true
}
