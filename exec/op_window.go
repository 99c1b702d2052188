package exec

import (
	"context"
	"sort"

	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/sql"
)

// windowOp computes window functions over the whole input epoch: rows are
// partitioned, ordered, and each call's value appended to every row.
type windowOp struct {
	rt    *runtime
	in    Operator
	calls []planner.WindowCall
	out   *sliceOp
}

func (rt *runtime) buildWindow(n *planner.Window) (Operator, error) {
	in, err := rt.build(n.Input)
	if err != nil {
		return nil, err
	}
	return &windowOp{rt: rt, in: in, calls: n.Calls}, nil
}

func (w *windowOp) Next(ctx context.Context) (*Batch, error) {
	if w.out != nil {
		return w.out.Next(ctx)
	}
	var rows []sql.Row
	err := drain(ctx, w.in, func(r sql.Row, d int64) error {
		if err := w.rt.keep(r); err != nil {
			return err
		}
		rows = expand(r, d, rows)
		return nil
	})
	if err != nil {
		return nil, err
	}
	base := 0
	if len(rows) > 0 {
		base = len(rows[0])
	}
	out := make([]sql.Row, len(rows))
	for i, r := range rows {
		out[i] = append(append(make(sql.Row, 0, base+len(w.calls)), r...), make(sql.Row, len(w.calls))...)
	}
	for ci, c := range w.calls {
		if err := w.compute(c, rows, out, base+ci); err != nil {
			return nil, err
		}
	}
	w.out = newSliceOp(out)
	return w.out.Next(ctx)
}

func (w *windowOp) compute(c planner.WindowCall, rows, out []sql.Row, col int) error {
	rt := w.rt
	part, err := rt.compileAll(c.Partition)
	if err != nil {
		return err
	}
	keys, err := rt.compileSortKeys(c.Order)
	if err != nil {
		return err
	}
	args, err := rt.compileAll(c.Args)
	if err != nil {
		return err
	}
	fr, err := w.compileFrame(c)
	if err != nil {
		return err
	}
	var filter evalFn
	if c.Filter != nil {
		if filter, err = rt.compile(c.Filter); err != nil {
			return err
		}
	}
	parts := newKeyMap[[]int]()
	sortKeys := make([]sql.Row, len(rows))
	for i, r := range rows {
		pk := make(sql.Row, len(part))
		for j, f := range part {
			if pk[j], err = f(r); err != nil {
				return err
			}
		}
		pi, _ := parts.upsert(pk, func() []int { return nil })
		parts.vals[pi] = append(parts.vals[pi], i)
		sk := make(sql.Row, len(keys))
		for j, k := range keys {
			if sk[j], err = k.eval(r); err != nil {
				return err
			}
		}
		sortKeys[i] = sk
	}
	for _, idxs := range parts.vals {
		sort.SliceStable(idxs, func(a, b int) bool { return compareKeys(keys, sortKeys[idxs[a]], sortKeys[idxs[b]]) < 0 })
		p := &winPart{c: c, rows: rows, out: out, col: col, idxs: idxs, args: args, filter: filter, keys: keys, fr: fr, rt: rt}
		// Peer groups: rows equal on the ORDER BY keys.
		p.grp = make([]int, len(idxs))
		p.gStart = p.gStart[:0]
		for i := range idxs {
			if i == 0 || compareKeys(keys, sortKeys[idxs[i-1]], sortKeys[idxs[i]]) != 0 {
				p.gStart = append(p.gStart, i)
			}
			p.grp[i] = len(p.gStart) - 1
		}
		p.gStart = append(p.gStart, len(idxs))
		if err := p.run(); err != nil {
			return err
		}
	}
	return nil
}

// compiledFrame is a planner.Frame ready to run.
type compiledFrame struct {
	f                  *planner.Frame
	startOff, endOff   evalFn
	startVal, endVal   evalFn
	rangeKey           evalFn
	rangeDesc, nullsLo bool
}

func (w *windowOp) compileFrame(c planner.WindowCall) (*compiledFrame, error) {
	if c.Frame == nil {
		return nil, nil
	}
	cf := &compiledFrame{f: c.Frame}
	for _, x := range []struct {
		e   planner.Expr
		dst *evalFn
	}{{c.Frame.StartOff, &cf.startOff}, {c.Frame.EndOff, &cf.endOff}, {c.Frame.StartVal, &cf.startVal}, {c.Frame.EndVal, &cf.endVal}, {c.Frame.RangeKey, &cf.rangeKey}} {
		if x.e == nil {
			continue
		}
		f, err := w.rt.compile(x.e)
		if err != nil {
			return nil, err
		}
		*x.dst = f
	}
	if len(c.Order) > 0 {
		cf.rangeDesc, cf.nullsLo = c.Order[0].Desc, c.Order[0].NullsFirst
	}
	return cf, nil
}

// winPart is one ordered partition of one window call.
type winPart struct {
	c      planner.WindowCall
	rows   []sql.Row // the whole input; idxs picks and orders this partition
	out    []sql.Row
	col    int
	idxs   []int
	args   []evalFn
	filter evalFn
	keys   []compiledKey
	fr     *compiledFrame
	rt     *runtime
	grp    []int // peer group of each position
	gStart []int // first position of each peer group, then len(idxs)

	// Frame offsets, checked once per partition; RANGE boundary values and
	// keys per position.
	startN, endN             int
	startVals, endVals, rkey []sql.Value
}

func (p *winPart) row(i int) sql.Row { return p.rows[p.idxs[i]] }

func (p *winPart) arg(k, i int) (sql.Value, error) { return p.args[k](p.row(i)) }

func (p *winPart) set(i int, v sql.Value) { p.out[p.idxs[i]][p.col] = v }

func (p *winPart) run() error {
	c := p.c
	n := len(p.idxs)
	switch c.Func {
	case "row_number":
		for i := 0; i < n; i++ {
			p.set(i, sql.NewInt(int64(i+1)))
		}
		return nil
	case "rank", "dense_rank", "percent_rank", "cume_dist":
		for i := 0; i < n; i++ {
			g := p.grp[i]
			rank := p.gStart[g] + 1
			switch c.Func {
			case "rank":
				p.set(i, sql.NewInt(int64(rank)))
			case "dense_rank":
				p.set(i, sql.NewInt(int64(g+1)))
			case "percent_rank":
				pr := 0.0
				if n > 1 {
					pr = float64(rank-1) / float64(n-1)
				}
				p.set(i, sql.NewFloat(pr))
			case "cume_dist":
				p.set(i, sql.NewFloat(float64(p.gStart[g+1])/float64(n)))
			}
		}
		return nil
	case "ntile":
		for i := 0; i < n; i++ {
			b, err := p.arg(0, i)
			if err != nil {
				return err
			}
			if b.IsNull() {
				p.set(i, sql.Null)
				continue
			}
			buckets := int(b.Int())
			if buckets <= 0 {
				return sql.Errorf("22014", "argument of ntile must be greater than zero")
			}
			per, extra := n/buckets, n%buckets
			// The first `extra` buckets hold per+1 rows.
			var bucket int
			if i < extra*(per+1) {
				bucket = i/(per+1) + 1
			} else {
				bucket = extra + (i-extra*(per+1))/max(per, 1) + 1
			}
			p.set(i, sql.NewInt(int64(bucket)))
		}
		return nil
	case "lag", "lead":
		for i := 0; i < n; i++ {
			off := 1
			if len(p.args) > 1 {
				v, err := p.arg(1, i)
				if err != nil {
					return err
				}
				if v.IsNull() {
					p.set(i, sql.Null)
					continue
				}
				off = int(v.Int())
			}
			j := i - off
			if c.Func == "lead" {
				j = i + off
			}
			var v sql.Value
			var err error
			switch {
			case j >= 0 && j < n:
				v, err = p.arg(0, j)
			case len(p.args) > 2:
				v, err = p.arg(2, i)
			default:
				v = sql.Null
			}
			if err != nil {
				return err
			}
			p.set(i, v)
		}
		return nil
	}
	if err := p.prepareFrame(); err != nil {
		return err
	}
	if c.Agg == nil {
		return p.values()
	}
	return p.aggregate()
}

// prepareFrame checks the frame's offsets and computes RANGE boundaries.
func (p *winPart) prepareFrame() error {
	fr := p.fr
	if fr == nil || len(p.idxs) == 0 {
		return nil
	}
	first := p.row(0)
	off := func(f evalFn, which string) (sql.Value, error) {
		v, err := f(first)
		if err != nil {
			return v, err
		}
		if v.IsNull() {
			return v, sql.Errorf(sql.CodeNullValueNotAllowed, "frame %s offset must not be null", which)
		}
		return v, nil
	}
	for _, b := range []struct {
		f     evalFn
		which string
		n     *int
		vals  *[]sql.Value
		valFn evalFn
	}{{fr.startOff, "starting", &p.startN, &p.startVals, fr.startVal}, {fr.endOff, "ending", &p.endN, &p.endVals, fr.endVal}} {
		if b.f == nil {
			continue
		}
		v, err := off(b.f, b.which)
		if err != nil {
			return err
		}
		if fr.f.Rows || fr.f.Groups {
			if v.Int() < 0 {
				return sql.Errorf("22013", "frame %s offset must not be negative", b.which)
			}
			*b.n = int(min(v.Int(), int64(len(p.idxs)+1)))
			continue
		}
		if negative(v) {
			return sql.Errorf("22013", "invalid preceding or following size in window function")
		}
		vals := make([]sql.Value, len(p.idxs))
		for i := range vals {
			if vals[i], err = b.valFn(p.row(i)); err != nil {
				return err
			}
		}
		*b.vals = vals
		if p.rkey == nil {
			p.rkey = make([]sql.Value, len(p.idxs))
			for i := range p.rkey {
				if p.rkey[i], err = fr.rangeKey(p.row(i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// negative reports whether a frame offset is below zero.
func negative(v sql.Value) bool {
	switch v.Kind() {
	case sql.KindInt:
		return v.Int() < 0
	case sql.KindFloat:
		return v.Float() < 0
	case sql.KindNumeric:
		return v.Numeric().Negative && !v.Numeric().IsZero()
	case sql.KindInterval:
		iv := v.Interval()
		// Compare as PostgreSQL does, with 30-day months and 24-hour days.
		return (int64(iv.Months)*30+int64(iv.Days))*86400e6+iv.Micros < 0
	}
	return false
}

// rangeCmp compares a RANGE key with a boundary value in the window's sort
// order.
func (p *winPart) rangeCmp(a, b sql.Value) int {
	switch {
	case a.IsNull() && b.IsNull():
		return 0
	case a.IsNull() != b.IsNull():
		c := 1
		if a.IsNull() == p.fr.nullsLo {
			c = -1
		}
		return c
	}
	c := sql.Compare(a, b)
	if p.fr.rangeDesc {
		c = -c
	}
	return c
}

// bounds returns row i's frame [lo, hi) before exclusion.
func (p *winPart) bounds(i int) (int, int) {
	n := len(p.idxs)
	f := p.fr
	if f == nil {
		if len(p.c.Order) == 0 {
			return 0, n
		}
		return 0, p.gStart[p.grp[i]+1]
	}
	bound := func(k planner.BoundKind, off int, vals []sql.Value, start bool) int {
		switch k {
		case planner.UnboundedPreceding:
			return 0
		case planner.UnboundedFollowing:
			return n
		case planner.CurrentRow:
			switch {
			case f.f.Rows && start:
				return i
			case f.f.Rows:
				return i + 1
			case start:
				return p.gStart[p.grp[i]]
			}
			return p.gStart[p.grp[i]+1]
		}
		if k == planner.Preceding {
			off = -off
		}
		switch {
		case f.f.Rows:
			if start {
				return min(max(i+off, 0), n)
			}
			return min(max(i+off+1, 0), n)
		case f.f.Groups:
			g := p.grp[i] + off
			ng := len(p.gStart) - 1
			if start {
				return p.gStart[min(max(g, 0), ng)]
			}
			return p.gStart[min(max(g+1, 0), ng)]
		}
		// RANGE: the first position past (or at, for a start) the
		// boundary value. A NULL key's frame is its peers, the NULLs.
		t := vals[i]
		if p.rkey[i].IsNull() {
			if start {
				return p.gStart[p.grp[i]]
			}
			return p.gStart[p.grp[i]+1]
		}
		if start {
			return sort.Search(n, func(k int) bool { return p.rangeCmp(p.rkey[k], t) >= 0 })
		}
		return sort.Search(n, func(k int) bool { return p.rangeCmp(p.rkey[k], t) > 0 })
	}
	lo := bound(f.f.StartKind, p.startN, p.startVals, true)
	hi := bound(f.f.EndKind, p.endN, p.endVals, false)
	return lo, max(hi, lo)
}

// excluded returns the positions [xlo, xhi) that row i's EXCLUDE removes
// from its frame, and whether row i itself stays (EXCLUDE TIES).
func (p *winPart) excluded(i int) (xlo, xhi int, keep bool) {
	if p.fr == nil {
		return 0, 0, false
	}
	switch p.fr.f.Exclude {
	case planner.ExcludeCurrentRow:
		return i, i + 1, false
	case planner.ExcludeGroup, planner.ExcludeTies:
		g := p.grp[i]
		return p.gStart[g], p.gStart[g+1], p.fr.f.Exclude == planner.ExcludeTies
	}
	return 0, 0, false
}

// segments lists the positions of row i's frame, in order, as up to three
// ranges.
func (p *winPart) segments(i, lo, hi int) [][2]int {
	xlo, xhi, keep := p.excluded(i)
	if xlo >= xhi {
		return [][2]int{{lo, hi}}
	}
	var segs [][2]int
	add := func(a, b int) {
		a, b = max(a, lo), min(b, hi)
		if a < b {
			segs = append(segs, [2]int{a, b})
		}
	}
	add(lo, xlo)
	if keep {
		add(i, i+1)
	}
	add(xhi, hi)
	return segs
}

// values computes first_value, last_value and nth_value.
func (p *winPart) values() error {
	for i := range p.idxs {
		lo, hi := p.bounds(i)
		segs := p.segments(i, lo, hi)
		size := 0
		for _, s := range segs {
			size += s[1] - s[0]
		}
		k := 0 // 0-based position within the frame
		switch p.c.Func {
		case "last_value":
			k = size - 1
		case "nth_value":
			nv, err := p.arg(1, i)
			if err != nil {
				return err
			}
			if nv.IsNull() {
				p.set(i, sql.Null)
				continue
			}
			if nv.Int() <= 0 {
				return sql.Errorf("22016", "argument of nth_value must be greater than zero")
			}
			k = int(min(nv.Int()-1, int64(size)))
		}
		v := sql.Null
		for _, s := range segs {
			if k >= 0 && k < s[1]-s[0] {
				var err error
				if v, err = p.arg(0, s[0]+k); err != nil {
					return err
				}
				break
			}
			k -= s[1] - s[0]
		}
		p.set(i, v)
	}
	return nil
}

// retractable reports whether an aggregate's accumulator can drop rows
// exactly, so a sliding frame updates it instead of recomputing it. Float
// sums are not: retracting would change the rounding, and PostgreSQL (which
// has no inverse transition for them either) recomputes.
func retractable(c planner.WindowCall) bool {
	isFloat := len(c.Args) > 0 && (c.Args[0].Type().OID == sql.OIDFloat4 || c.Args[0].Type().OID == sql.OIDFloat8)
	switch c.Agg.Name {
	case "count", "bool_and", "bool_or", "every":
		return true
	case "sum", "avg", "stddev", "stddev_samp", "stddev_pop", "variance", "var_samp", "var_pop":
		return !isFloat
	}
	return false
}

// aggregate computes an aggregate over each row's frame. Frame ends only
// move forward as the current row does, so one accumulator slides along the
// partition: rows entering the frame are added and, for accumulators that
// can retract, rows leaving it are retracted. Others restart whenever the
// frame start moves; a frame starting at UNBOUNDED PRECEDING never does.
func (p *winPart) aggregate() error {
	n := len(p.idxs)
	vals := make([][]sql.Value, n)
	pass := make([]bool, n)
	for i := range vals {
		r := p.row(i)
		pass[i] = true
		if p.filter != nil {
			v, err := p.filter(r)
			if err != nil {
				return err
			}
			pass[i] = !v.IsNull() && v.Bool()
		}
		if !pass[i] {
			continue
		}
		vals[i] = make([]sql.Value, len(p.args))
		for a, f := range p.args {
			v, err := f(r)
			if err != nil {
				return err
			}
			vals[i][a] = v
		}
	}
	newAcc := func() (accumulator, error) {
		return newAccumulator(planner.AggCall{Func: p.c.Agg, Args: p.c.Args, Type: p.c.Type}, p.rt)
	}
	var acc accumulator
	feed := func(a accumulator, k int, d int64) error {
		if !pass[k] {
			return nil
		}
		return a.add(vals[k], p.row(k), d)
	}
	canRetract := retractable(p.c)
	exclude := p.fr != nil && p.fr.f.Exclude != planner.ExcludeNoOthers
	if (p.c.Agg.Name == "min" || p.c.Agg.Name == "max") && !exclude {
		p.slidingMinMax(vals, pass, p.c.Agg.Name == "max")
		return nil
	}
	curLo, curHi := 0, 0
	lastLo, lastHi := -1, -1
	var last sql.Value
	for i := 0; i < n; i++ {
		lo, hi := p.bounds(i)
		if !exclude && lo == lastLo && hi == lastHi {
			p.set(i, last)
			continue
		}
		if exclude && !canRetract {
			a, err := newAcc()
			if err != nil {
				return err
			}
			for _, s := range p.segments(i, lo, hi) {
				for k := s[0]; k < s[1]; k++ {
					if err := feed(a, k, 1); err != nil {
						return err
					}
				}
			}
			v, err := a.result()
			if err != nil {
				return err
			}
			p.set(i, v)
			continue
		}
		if acc == nil || lo < curLo || hi < curHi || (lo > curLo && !canRetract) {
			var err error
			if acc, err = newAcc(); err != nil {
				return err
			}
			curLo, curHi = lo, lo
		}
		for ; curHi < hi; curHi++ {
			if err := feed(acc, curHi, 1); err != nil {
				return err
			}
		}
		for ; curLo < lo; curLo++ {
			if err := feed(acc, curLo, -1); err != nil {
				return err
			}
		}
		var v sql.Value
		var err error
		if !exclude {
			v, err = acc.result()
		} else {
			// Take the excluded rows out for this row only.
			xlo, xhi, keep := p.excluded(i)
			xlo, xhi = max(xlo, lo), min(xhi, hi)
			step := func(d int64) error {
				for k := xlo; k < xhi; k++ {
					if keep && k == i {
						continue
					}
					if err := feed(acc, k, d); err != nil {
						return err
					}
				}
				return nil
			}
			if err = step(-1); err == nil {
				v, err = acc.result()
				if err2 := step(1); err == nil {
					err = err2
				}
			}
		}
		if err != nil {
			return err
		}
		p.set(i, v)
		lastLo, lastHi, last = lo, hi, v
	}
	return nil
}

// slidingMinMax computes min or max over frames whose ends only move
// forward with a monotonic deque of positions: each row enters and leaves
// it once, where restarting the accumulator would cost the frame's width.
func (p *winPart) slidingMinMax(vals [][]sql.Value, pass []bool, isMax bool) {
	better := func(a, b sql.Value) bool { // a at least as good as b
		c := sql.Compare(a, b)
		if isMax {
			return c >= 0
		}
		return c <= 0
	}
	var dq []int
	head, curHi := 0, 0
	for i := range p.idxs {
		lo, hi := p.bounds(i)
		for ; curHi < hi; curHi++ {
			if !pass[curHi] || vals[curHi][0].IsNull() {
				continue
			}
			v := vals[curHi][0]
			for len(dq) > head && better(v, vals[dq[len(dq)-1]][0]) {
				dq = dq[:len(dq)-1]
			}
			dq = append(dq, curHi)
		}
		for head < len(dq) && dq[head] < lo {
			head++
		}
		if head < len(dq) && dq[head] < hi {
			p.set(i, vals[dq[head]][0])
		} else {
			p.set(i, sql.Null)
		}
	}
}
