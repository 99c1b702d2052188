package exec

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// keyedOp maintains a plan node whose output, for each value of a key,
// depends only on the input rows with that key: an aggregate (key: the
// group), a join (the equi-join key), DISTINCT (the row), a set operation
// (the row), a window (the partition), a TopN (no key: one group). Its
// inputs are arranged by key in the dataflow's state. For an epoch's
// changes it reads the touched keys' rows before and after the changes,
// runs the batch operator over each, and emits the difference. The batch
// operator is the one batch queries use, so a view agrees with its query
// by construction; the price is work proportional to the touched groups
// rather than to the changes, which specialized operators can undercut.
type keyedOp struct {
	rt    *runtime
	node  planner.Node   // run in batch over the touched keys' rows
	feeds []planner.Node // the node's inputs, fed from state
	ins   []Operator     // the continuous inputs, one per feed
	keys  [][]evalFn     // per input: its key; nil for a single group
	// chains, per input, map an arranged row to the row the key is read
	// from, when the arrangement holds rows from below a Sort (feedOf).
	chains [][]chainStep
	// prefix is this operator's state: prefix, input index, key, row -> count.
	prefix []byte
	// touchAll makes the first epoch of a new view touch the single group,
	// so that an ungrouped aggregate yields its row over no input.
	touchAll bool
	out      Operator
	buf      []byte
}

// errStateMismatch marks a change that does not fit a view's state: the
// retraction of a row that an arrangement or the view does not hold, a
// second row for a view's key. Operators that are right produce it only
// from a transaction that changed rows a concurrent transaction changed
// first, whose Badger commit will fail; viewTxn.feed reports it then as a
// serialization failure.
var errStateMismatch = errors.New("view state does not match its inputs")

type keyedChange struct {
	in  int
	key string
	row sql.Row
	d   int64
}

func (k *keyedOp) Next(ctx context.Context) (*Batch, error) {
	if k.out == nil {
		rows, diffs, err := k.epoch(ctx)
		if err != nil {
			return nil, err
		}
		k.out = newDiffOp(Batch{Rows: rows, Diffs: diffs})
	}
	b, err := k.out.Next(ctx)
	if b == nil || err != nil {
		k.out = nil
	}
	return b, err
}

// epoch consumes the inputs' changes and returns the output's.
func (k *keyedOp) epoch(ctx context.Context) ([]sql.Row, []int64, error) {
	var changes []keyedChange
	touched := map[string]bool{}
	first := k.touchAll
	if first {
		touched[""] = true
		k.touchAll = false
	}
	for i, in := range k.ins {
		err := drain(ctx, in, func(r sql.Row, d int64) error {
			kr, ok, err := applyChain(k.chains[i], r)
			if !ok || err != nil {
				return err
			}
			key := k.buf[:0]
			for _, f := range k.keys[i] {
				v, err := f(kr)
				if err != nil {
					return err
				}
				key = sql.AppendKey(key, v)
			}
			k.buf = key
			ks := string(key)
			touched[ks] = true
			changes = append(changes, keyedChange{in: i, key: ks, row: r, d: d})
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if len(touched) == 0 {
		return nil, nil, nil
	}
	keys := make([]string, 0, len(touched))
	for key := range touched {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	// A view's first epoch has emitted nothing yet, though an ungrouped
	// aggregate yields a row over no rows.
	var before []sql.Row
	if !first {
		var err error
		if before, err = k.run(ctx, keys); err != nil {
			return nil, nil, err
		}
	}
	for _, c := range changes {
		if err := k.apply(c); err != nil {
			return nil, nil, err
		}
	}
	after, err := k.run(ctx, keys)
	if err != nil {
		return nil, nil, err
	}
	var d changeSet
	for _, r := range before {
		d.add(r, -1)
	}
	for _, r := range after {
		d.add(r, 1)
	}
	rows, diffs := d.result()
	return rows, diffs, nil
}

// chainStep is one node of a chain (feedOf): a filter's predicate or a
// projection's expressions.
type chainStep struct {
	pred  evalFn
	exprs []evalFn
}

// compileChain compiles the nodes of a chain, which lists them top down.
func (rt *runtime) compileChain(chain []planner.Node) ([]chainStep, error) {
	steps := make([]chainStep, len(chain))
	for i, n := range chain {
		st := &steps[len(chain)-1-i]
		var err error
		switch n := n.(type) {
		case *planner.Filter:
			st.pred, err = rt.compile(n.Pred)
		case *planner.Project:
			st.exprs, err = rt.compileAll(n.Exprs)
		default:
			err = fmt.Errorf("exec: %T in a keyed operator's input chain", n)
		}
		if err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// applyChain runs a row through a chain's steps, bottom up; false means a
// filter dropped it, so that it reaches no group.
func applyChain(steps []chainStep, r sql.Row) (sql.Row, bool, error) {
	for _, st := range steps {
		if st.pred != nil {
			v, err := st.pred(r)
			if err != nil || v.IsNull() || !v.Bool() {
				return nil, false, err
			}
			continue
		}
		out := make(sql.Row, len(st.exprs))
		for i, f := range st.exprs {
			v, err := f(r)
			if err != nil {
				return nil, false, err
			}
			out[i] = v
		}
		r = out
	}
	return r, true, nil
}

// groupPrefix is where input in's rows of one key live.
func (k *keyedOp) groupPrefix(in int, key string) []byte {
	p := append(slices.Clip(k.prefix), byte(in))
	return append(p, key...)
}

// apply adds one change to the arrangement of its input.
func (k *keyedOp) apply(c keyedChange) error {
	st := k.rt.flow.state
	sk := sql.AppendRow(k.groupPrefix(c.in, c.key), c.row)
	var n int64
	v, ok, err := st.get(sk)
	if err != nil {
		return err
	}
	if ok {
		n, _ = binary.Varint(v)
	}
	n += c.d
	switch {
	case n < 0:
		return fmt.Errorf("%w: a row was retracted more often than it was added", errStateMismatch)
	case n == 0:
		st.del(sk)
	default:
		st.put(sk, binary.AppendVarint(nil, n))
	}
	return nil
}

// run computes the node's output over the current rows of the given keys.
func (k *keyedOp) run(ctx context.Context, keys []string) ([]sql.Row, error) {
	brt := *k.rt
	brt.flow = nil
	brt.mem = &memBudget{limit: k.rt.s.e.queryMemory.Load()}
	brt.feed = map[planner.Node]Operator{}
	for i, f := range k.feeds {
		var rows []sql.Row
		for _, key := range keys {
			p := k.groupPrefix(i, key)
			err := k.rt.flow.state.scan(p, func(sk, v []byte) error {
				n, _ := binary.Varint(v)
				row, err := sql.DecodeRow(sk[len(p):], nil)
				if err != nil {
					return fmt.Errorf("view state: %w", err)
				}
				for ; n > 0; n-- {
					rows = append(rows, row)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		brt.feed[f] = newSliceOp(rows)
	}
	op, err := brt.build(k.node)
	if err != nil {
		return nil, err
	}
	var out []sql.Row
	err = drain(ctx, op, func(r sql.Row, d int64) error {
		out = expand(r, d, out)
		return nil
	})
	return out, err
}

// changeSet consolidates changes: equal rows' diffs are summed and rows
// whose sum is zero vanish. Rows are compared by their exact encoding, so
// 1.0 and 1.00 stay apart as they do in a table.
type changeSet struct {
	idx   map[string]int
	rows  []sql.Row
	diffs []int64
	buf   []byte
}

func (c *changeSet) add(r sql.Row, d int64) {
	if c.idx == nil {
		c.idx = map[string]int{}
	}
	c.buf = sql.AppendRow(c.buf[:0], r)
	if i, ok := c.idx[string(c.buf)]; ok {
		c.diffs[i] += d
		return
	}
	c.idx[string(c.buf)] = len(c.rows)
	c.rows = append(c.rows, r)
	c.diffs = append(c.diffs, d)
}

// result returns the non-zero changes, retractions first (so that a view
// keyed by a column sees a key's old row leave before its new row comes).
func (c *changeSet) result() ([]sql.Row, []int64) {
	var rows []sql.Row
	var diffs []int64
	for pass := 0; pass < 2; pass++ {
		for i, d := range c.diffs {
			if (pass == 0 && d < 0) || (pass == 1 && d > 0) {
				rows = append(rows, c.rows[i])
				diffs = append(diffs, d)
			}
		}
	}
	return rows, diffs
}

// diffOp emits a fixed batch of changes in batches.
type diffOp struct {
	all Batch
	pos int
	b   Batch
}

func newDiffOp(b Batch) *diffOp { return &diffOp{all: b} }

func (o *diffOp) Next(ctx context.Context) (*Batch, error) {
	if o.pos >= len(o.all.Rows) {
		return nil, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	end := min(o.pos+batchSize, len(o.all.Rows))
	o.b.Rows, o.b.Diffs = o.all.Rows[o.pos:end], o.all.Diffs[o.pos:end]
	o.pos = end
	return &o.b, nil
}
