package sql

import "strings"

// tidbWindowCalls are the calls the TiDB grammar accepts with OVER in every
// form PostgreSQL allows them. Any other call with OVER (lag with a negative
// offset, string_agg, bool_and ...) is passed as
// json_arrayagg(eddy_window('name', 'flags', args...)) OVER ..., a form the
// grammar takes for any arguments; the planner restores the call.
var tidbWindowCalls = wordSet(`row_number rank dense_rank cume_dist percent_rank first_value last_value
count sum avg min max`)

// windowCall disguises name(rargs) OVER ... as described at tidbWindowCalls,
// or returns nil when the TiDB grammar takes the call as it is.
func windowCall(name string, rargs []*node, distinct, ordered bool, start int, g *node) *node {
	bare := strings.ToLower(strings.Trim(name, `"`))
	bare = strings.TrimPrefix(bare, "pg_catalog.")
	if len(rargs) > 0 && rargs[0].isWord("distinct") {
		rargs, distinct = rargs[1:], true
	}
	if tidbWindowCalls[bare] && !distinct && !ordered {
		return nil
	}
	var flags []string
	if distinct {
		flags = append(flags, "distinct")
	}
	if ordered {
		flags = append(flags, "order")
	}
	return synth(func(w *writer) {
		w.add("json_arrayagg(eddy_window(", start)
		w.raw(quoteString(bare)+", "+quoteString(strings.Join(flags, " ")), start)
		for _, a := range splitTop(rargs) {
			w.tight(",", start)
			w.seq(a)
		}
		w.tight("))", g.close.pos)
	})
}

var frameUnits = wordSet(`rows range groups`)

// windowSpec rewrites a window specification (the parentheses after OVER or
// after WINDOW name AS). The TiDB grammar takes frame offsets only as number
// literals and knows no EXCLUDE clause, so a frame with other offsets or an
// EXCLUDE is written as BETWEEN bounds where such a bound is
// INTERVAL eddy_frame_offset(expr) SECOND PRECEDING|FOLLOWING and the end
// bound, under EXCLUDE, is INTERVAL eddy_frame_end('kind', 'exclude'[, expr])
// SECOND FOLLOWING.
func (r *rewriter) windowSpec(g *node) (*node, *Error) {
	kids := g.kids
	fi := -1
	for i, n := range kids {
		if n.kind == nLeaf && n.tok.kind == tkIdent && frameUnits[n.tok.val] && i+1 < len(kids) {
			if p := at(kids, i-1); p != nil && (p.isWord("by") || p.isPunct(",")) {
				continue // a column named range in PARTITION BY / ORDER BY
			}
			fi = i
			break
		}
	}
	if fi < 0 {
		return r.group(g, ctxQuery)
	}
	frame := kids[fi+1:]
	exclude := ""
	for i, n := range frame {
		if n.isWord("exclude") {
			exclude = strings.ToLower(wordsText(frame[i+1:]))
			if excludeForms[exclude] == false {
				return nil, r.errAt(n)
			}
			frame = frame[:i]
			break
		}
	}
	var bounds [][]*node
	if len(frame) > 0 && frame[0].isWord("between") {
		and := -1
		for i, n := range frame {
			if n.isWord("and") {
				and = i
				break
			}
		}
		if and < 0 {
			return nil, r.errEnd(frame, g.close.pos)
		}
		bounds = [][]*node{frame[1:and], frame[and+1:]}
	} else {
		bounds = [][]*node{frame}
	}
	simple := exclude == ""
	for _, b := range bounds {
		if len(b) == 0 {
			return nil, r.errEnd(frame, g.close.pos)
		}
		simple = simple && simpleBound(b)
	}
	if simple {
		return r.group(g, ctxQuery)
	}
	head, err := r.seq(kids[:fi], ctxQuery)
	if err != nil {
		return nil, err
	}
	if len(bounds) == 1 {
		bounds = append(bounds, nil) // AND CURRENT ROW
	}
	out := append([]*node(nil), head...)
	unit := kids[fi]
	out = append(out, synth(func(w *writer) { w.add(unit.tok.val+" between", unit.tok.pos) }))
	for k, b := range bounds {
		end := k == 1
		if end {
			out = append(out, synth(func(w *writer) { w.add("and", unit.tok.pos) }))
		}
		if !(end && exclude != "") && (b == nil || simpleBound(b)) {
			if b == nil {
				b = []*node{synth(func(w *writer) { w.add("current row", unit.tok.pos) })}
			}
			out = append(out, b...)
			continue
		}
		kind := "current row"
		var expr []*node
		if b != nil {
			last := b[len(b)-1]
			switch {
			case len(b) == 2 && b[0].isWord("current") && last.isWord("row"):
			case len(b) == 2 && b[0].isWord("unbounded") && (last.isWord("preceding") || last.isWord("following")):
				kind = "unbounded " + last.tok.val
			case last.isWord("preceding") || last.isWord("following"):
				kind = last.tok.val
				if expr, err = r.seq(b[:len(b)-1], ctxArgs); err != nil {
					return nil, err
				}
			default:
				return nil, r.errAt(last)
			}
		}
		pos := unit.tok.pos
		if !end || exclude == "" {
			out = append(out, synth(func(w *writer) {
				w.add("interval eddy_frame_offset(", pos)
				w.seq(expr)
				w.tight(") second "+kind, pos)
			}))
			continue
		}
		out = append(out, synth(func(w *writer) {
			w.add("interval eddy_frame_end(", pos)
			w.raw(quoteString(kind)+", "+quoteString(exclude), pos)
			if expr != nil {
				w.tight(",", pos)
				w.seq(expr)
			}
			w.tight(") second following", pos)
		}))
	}
	return &node{kind: nParen, tok: g.tok, close: g.close, kids: out, prim: true, tight: g.tight}, nil
}

var excludeForms = map[string]bool{"current row": true, "group": true, "ties": true, "no others": true}

func wordsText(ns []*node) string {
	var ws []string
	for _, n := range ns {
		if n.kind != nLeaf || n.tok.kind != tkIdent {
			return ""
		}
		ws = append(ws, n.tok.val)
	}
	return strings.Join(ws, " ")
}

// simpleBound reports whether the TiDB grammar takes a frame bound as is.
func simpleBound(b []*node) bool {
	if len(b) != 2 {
		return false
	}
	last := b[1]
	if !last.isWord("preceding") && !last.isWord("following") {
		return b[0].isWord("current") && last.isWord("row")
	}
	return b[0].isWord("unbounded") || (b[0].kind == nLeaf && b[0].tok.kind == tkNumber)
}

// windowDef reports whether out ends in WINDOW name AS (or , name AS inside
// a WINDOW clause): a window definition's parentheses follow.
func windowDef(out []*node) bool {
	n := len(out)
	if n < 3 || !out[n-1].isWord("as") || !out[n-2].ident {
		return false
	}
	return out[n-3].isWord("window") || out[n-3].isPunct(",")
}
