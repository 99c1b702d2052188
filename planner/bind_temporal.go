package planner

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/eddysql/eddy/sql"
)

var errTemporalPlace = sql.Errorf(sql.CodeFeatureNotSupported, "FOR SYSTEM_TIME AS OF PROCTIME() applies to a table on the right of a join only")

// temporalRight reads the dialect layer's mark of a right side read FOR
// SYSTEM_TIME AS OF PROCTIME() (sql.TemporalAlias): the right side with
// its own alias back, and whether it was marked.
func temporalRight(j *ast.Join) (ast.ResultSetNode, bool, error) {
	ts, ok := j.Right.(*ast.TableSource)
	if !ok {
		return j.Right, false, nil
	}
	rest, ok := strings.CutPrefix(ts.AsName.O, sql.TemporalAlias+"\x1f")
	if !ok {
		return j.Right, false, nil
	}
	if _, ok := ts.Source.(*ast.TableName); !ok {
		return nil, false, errTemporalPlace
	}
	c := *ts
	c.AsName = ast.NewCIStr(rest)
	return &c, true, nil
}
