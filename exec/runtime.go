package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// runtime is what the operators of one statement execution share: the
// snapshot they read, the parameters, the outer rows of correlated
// subqueries and the results of CTEs.
type runtime struct {
	ctx    context.Context
	s      *Session
	txn    *badger.Txn
	params []sql.Value
	outer  []sql.Row
	fctx   *builtin.Context
	ctes   map[*planner.CTE][]sql.Row
	work   map[*planner.CTE][]sql.Row
	mem    *memBudget
	// tail, set while building a SUBSCRIBE, makes source scans endless.
	tail *subscribeTail
	// flow, set while building a materialized view's dataflow, makes the
	// build continuous (flow.go); feed, set while a keyed operator runs
	// its batch form, replaces the nodes it maps with given rows.
	flow *dataflow
	feed map[planner.Node]Operator
	// cse, set while an operator's expressions compile, shares their
	// repeated subexpressions (eval_cse.go).
	cse *cseScope
}

func (s *Session) newRuntime(ctx context.Context, txn *badger.Txn, params []sql.Value) *runtime {
	fctx := s.builtinContext()
	fctx.Done = ctx.Done()
	return &runtime{
		ctx:    ctx,
		s:      s,
		txn:    txn,
		params: params,
		fctx:   fctx,
		ctes:   map[*planner.CTE][]sql.Row{},
		work:   map[*planner.CTE][]sql.Row{},
		mem:    &memBudget{limit: s.e.queryMemory.Load()},
	}
}

func (rt *runtime) loc() *time.Location { return rt.s.loc }

// collect runs a plan to completion and returns its rows (at most limit
// when limit >= 0), each change expanded to its multiplicity.
func (rt *runtime) collect(ctx context.Context, n planner.Node, limit int) ([]sql.Row, error) {
	op, err := rt.build(n)
	if err != nil {
		return nil, err
	}
	var out []sql.Row
	err = drain(ctx, op, func(r sql.Row, d int64) error {
		if d < 0 {
			return fmt.Errorf("exec: retraction in a batch result")
		}
		out = expand(r, d, out)
		if limit >= 0 && len(out) >= limit {
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return out, err
}

var errStop = fmt.Errorf("stop")

func errUnsupported(what string) error {
	return sql.Errorf(sql.CodeFeatureNotSupported, "%s is not supported", what)
}
