package exec

// SUBSCRIBE runs a query's operators over a changelog that never ends.
//
// Only stateless plans (scans, filters, projections and scalar functions)
// over sources, tables and materialized views are accepted: their output
// for an epoch depends on that epoch's input alone, so the batch operators
// can run unchanged, fed one epoch per Kafka fetch or per committed change
// of a view (flow_subscribe.go). A query that keeps state across epochs
// (aggregates, joins, ...) is refused with 0A000: it belongs in a
// materialized view, which can then be subscribed to.
//
// Every row leads with eddy_timestamp (int8, milliseconds since the Unix
// epoch) and eddy_diff (int8). eddy_timestamp is the time of the epoch the
// change belongs to: for the snapshot, the moment the subscription started;
// for a live fetch, the largest Kafka record timestamp in it. It never goes
// backwards, so a client may treat it as a frontier. With progress = true an
// idle second yields a row whose eddy_diff and columns are NULL and whose
// eddy_timestamp is the wall clock: nothing earlier is still to come.
//
// A subscription whose plan reads neither a source nor a view (a plain
// table, VALUES) ends after its snapshot: a table's changes reach
// subscribers through a view over it, which is also why snapshot = false
// over a table is refused.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
	"github.com/eddysql/eddy/sql"
)

// progressInterval is how long a subscription stays silent before a
// progress row, and how long a live fetch waits before ending an empty
// epoch.
const progressInterval = time.Second

// subscription is a planned SUBSCRIBE: the query's plan and its options.
type subscription struct {
	plan     planner.Node
	cols     []server.Column
	access   []planner.Access
	snapshot bool
	progress bool
	endless  bool // the plan reads a source
}

func (s *Session) planSubscribe(n *sql.Subscribe) (*subscription, error) {
	sub := &subscription{snapshot: true}
	for _, o := range n.With {
		var dst *bool
		switch strings.ToLower(o.Key) {
		case "snapshot":
			dst = &sub.snapshot
		case "progress":
			dst = &sub.progress
		default:
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "unrecognized SUBSCRIBE option %q", o.Key)
		}
		switch strings.ToLower(o.Value) {
		case "true", "on", "1", "":
			*dst = true
		case "false", "off", "0":
			*dst = false
		default:
			return nil, sql.Errorf(sql.CodeInvalidParameterValue, "SUBSCRIBE option %q requires a Boolean value", o.Key)
		}
	}
	var q *planner.Query
	var err error
	if n.Query != nil {
		q, err = s.planner().PlanQuery(n.Query.AST, nil)
	} else {
		// SUBSCRIBE name is SUBSCRIBE (SELECT * FROM name): the planner
		// then resolves views and checks privileges as for any query.
		name := sqlQuoteIdent(n.Name.Name)
		if n.Name.Schema != "" {
			name = sqlQuoteIdent(n.Name.Schema) + "." + name
		}
		var stmts []sql.Statement
		stmts, err = sql.Parse("SELECT * FROM " + name)
		if err == nil {
			q, err = s.planner().PlanQuery(stmts[0].AST, nil)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := checkSubscribable(q.Plan, sub); err != nil {
		return nil, err
	}
	if !sub.endless && !sub.snapshot {
		return nil, errUnsupported("SUBSCRIBE with snapshot = false over a table (changes to tables are not captured yet)")
	}
	sub.plan, sub.access = q.Plan, q.Access
	sub.cols = append([]server.Column{{Name: "eddy_timestamp", Type: sql.Int8}, {Name: "eddy_diff", Type: sql.Int8}},
		columnsOf(q.Plan.Columns())...)
	return sub, nil
}

func sqlQuoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// checkSubscribable refuses what a subscription cannot run yet, naming the
// construct, and notes whether the plan reads a source.
func checkSubscribable(n planner.Node, sub *subscription) error {
	refuse := func(what string) error {
		return errUnsupported("SUBSCRIBE over a query with " + what + " (create a materialized view of the query and subscribe to it)")
	}
	var exprs []planner.Expr
	var input planner.Node
	switch n := n.(type) {
	case *planner.Scan:
		if n.Rel.Kind == catalog.KindSource || n.Rel.Kind == catalog.KindMatView {
			sub.endless = true
		}
		return nil
	case *planner.Values:
		for _, r := range n.Rows {
			exprs = append(exprs, r...)
		}
	case *planner.Filter:
		if t, _ := planner.SplitTemporal(n.Pred); len(t) > 0 {
			// A subscription's filter is evaluated once per row, at the
			// statement's now(); a view's follows the clock.
			return refuse("a temporal filter (now() in WHERE)")
		}
		exprs, input = []planner.Expr{n.Pred}, n.Input
	case *planner.Project:
		exprs, input = n.Exprs, n.Input
	case *planner.Aggregate:
		if len(n.Group) > 0 || len(n.GroupingSets) > 0 {
			return refuse("GROUP BY")
		}
		return refuse("aggregates")
	case *planner.FuncJoin:
		// A set-returning function joined to each row (HOP, unnest in
		// FROM) depends on that row alone.
		exprs, input = planner.NodeExprs(n), n.Left
	case *planner.ProjectSet:
		for _, c := range n.Calls {
			if c.Plan != nil {
				return refuse("a set-returning SQL function in its select list")
			}
		}
		exprs, input = planner.NodeExprs(n), n.Input
	case *planner.Join, *planner.LateralJoin:
		return refuse("JOIN")
	case *planner.Sort:
		return refuse("ORDER BY")
	case *planner.Limit:
		return refuse("LIMIT or OFFSET")
	case *planner.Distinct:
		return refuse("DISTINCT")
	case *planner.Window:
		return refuse("window functions")
	case *planner.SetOp:
		return refuse("UNION, INTERSECT or EXCEPT")
	case *planner.TableFunc:
		return refuse("set-returning functions in FROM")
	case *planner.CTERef, *planner.WorkTable:
		return refuse("WITH")
	case *planner.VirtualScan:
		return refuse("system catalogs")
	default:
		return refuse(fmt.Sprintf("%T", n))
	}
	for _, e := range exprs {
		found := false
		planner.Walk(e, func(x planner.Expr) {
			if _, ok := x.(*planner.Subquery); ok {
				found = true
			}
		})
		if found {
			return refuse("subqueries")
		}
	}
	if input == nil {
		return nil
	}
	return checkSubscribable(input, sub)
}

// start builds the subscription's operators. The result owns everything it
// starts (the snapshot's read transaction, Kafka clients, the scan's
// goroutines): Close, or the end of ctx, stops them.
func (s *Session) startSubscribe(ctx context.Context, sub *subscription) (*rowsResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	// Not the session's transaction: the subscription may outlive it (a
	// cursor WITH HOLD).
	txn := s.e.db.NewTransaction(false)
	rt := s.newRuntime(ctx, txn, nil)
	tail := &subscribeTail{snapshot: sub.snapshot, ts: time.Now().UnixMilli()}
	rt.tail = tail
	closeAll := func() {
		cancel()
		tail.close()
		txn.Discard()
	}
	in, err := rt.build(sub.plan)
	if err != nil {
		closeAll()
		return nil, err
	}
	if err := tail.begin(ctx); err != nil {
		closeAll()
		return nil, err
	}
	op := &subscribeOp{in: in, tail: tail, endless: sub.endless, progress: sub.progress,
		width: len(sub.cols), lastOut: time.Now()}
	return &rowsResult{op: op, tag: "SUBSCRIBE", closeFn: closeAll}, nil
}

func (s *Session) prepareSubscribe(n *sql.Subscribe) (*statement, error) {
	sub, err := s.planSubscribe(n)
	if err != nil {
		return nil, err
	}
	st := &statement{s: s, cols: sub.cols, access: sub.access}
	st.run = func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		r, err := s.startSubscribe(ctx, sub)
		if err != nil {
			return nil, err
		}
		return &subscribeResult{r}, nil
	}
	return st, nil
}

// subscribeResult is a subscription's rows, flushed to the client one by one.
type subscribeResult struct{ *rowsResult }

func (*subscribeResult) Streaming() bool { return true }

// buffered is how many rows are ready without waiting: FETCH returns those
// after the first instead of waiting for n.
func (r *subscribeResult) buffered() int {
	if r.b == nil {
		return 0
	}
	return r.b.Len() - r.i
}

// subscribeOp turns the query's changes into rows that carry their time and
// diff. Its Next ends only when the subscription does (after the snapshot of
// a plan without a source); epochs of the query below go by unseen.
type subscribeOp struct {
	in       Operator
	tail     *subscribeTail
	endless  bool
	progress bool
	width    int
	lastOut  time.Time
	ended    bool
	b        Batch
}

func (o *subscribeOp) Next(ctx context.Context) (*Batch, error) {
	for !o.ended {
		b, err := o.in.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil {
			if !o.endless {
				o.ended = true
				break
			}
			if o.progress && time.Since(o.lastOut) >= progressInterval {
				o.lastOut = time.Now()
				row := make(sql.Row, o.width)
				for i := range row {
					row[i] = sql.Null
				}
				row[0] = sql.NewInt(o.tail.progressTS())
				o.b.reset()
				o.b.Add(row, 1)
				return &o.b, nil
			}
			continue
		}
		ts := sql.NewInt(o.tail.ts)
		o.b.reset()
		vals := make([]sql.Value, o.width*b.Len())
		for i, r := range b.Rows {
			row := vals[i*o.width : (i+1)*o.width : (i+1)*o.width]
			row[0], row[1] = ts, sql.NewInt(b.Diffs[i])
			copy(row[2:], r)
			o.b.Add(row, 1)
		}
		o.lastOut = time.Now()
		return &o.b, nil
	}
	return nil, nil
}

// prepareCopySubscribe is COPY (SUBSCRIBE ...) TO STDOUT: the subscription's
// rows in COPY format, each sent as it comes.
func (s *Session) prepareCopySubscribe(n *sql.Subscribe, o copyOptions) (*statement, error) {
	sub, err := s.planSubscribe(n)
	if err != nil {
		return nil, err
	}
	types := make([]sql.Type, len(sub.cols))
	names := make([]string, len(sub.cols))
	for i, c := range sub.cols {
		types[i], names[i] = c.Type, c.Name
	}
	st := &statement{s: s, access: sub.access}
	st.run = func(ctx context.Context, _ []sql.Value) (server.Result, error) {
		rows, err := s.startSubscribe(ctx, sub)
		if err != nil {
			return nil, err
		}
		r := &copyOutResult{rows: rows, o: o, types: types, s: s, streaming: true}
		if o.header {
			r.header = r.formatRow(names, nil)
		}
		return r, nil
	}
	return st, nil
}
