package builtin

import (
	"strconv"
	"strings"

	"github.com/eddysql/eddy/sql"
)

// jsonb's operators that modify or probe a document: ? ?| ?& (existence),
// - and #- (deletion), || (concatenation), and jsonb_set / jsonb_insert,
// which share PostgreSQL's setPath walk.

// pathOp is what setPathOp does at the end of the path.
type pathOp uint8

const (
	pathReplace      pathOp = iota // jsonb_set(..., create_missing => false)
	pathCreate                     // jsonb_set: replace or add
	pathInsertBefore               // jsonb_insert
	pathInsertAfter                // jsonb_insert(..., insert_after => true)
	pathDelete                     // #-
)

func (o pathOp) adds() bool { return o == pathCreate || o == pathInsertBefore || o == pathInsertAfter }

// setPathOp follows PostgreSQL's setPath: a missing intermediate step leaves
// the document unchanged; an array index past either end adds at that end.
func setPathOp(n *jnode, path []sql.Value, level int, v *jnode, op pathOp) (*jnode, error) {
	if path[level].IsNull() {
		return nil, sql.Errorf(sql.CodeNullValueNotAllowed, "path element at position %d is null", level+1)
	}
	key := path[level].Text()
	last := level == len(path)-1
	switch n.kind {
	case 'o':
		c := &jnode{kind: 'o'}
		found := false
		for i, k := range n.keys {
			val := n.vals[i]
			if k != key || found {
				c.keys, c.vals = append(c.keys, k), append(c.vals, val)
				continue
			}
			found = true
			if !last {
				r, err := setPathOp(val, path, level+1, v, op)
				if err != nil {
					return nil, err
				}
				c.keys, c.vals = append(c.keys, k), append(c.vals, r)
				continue
			}
			switch op {
			case pathInsertBefore, pathInsertAfter:
				e := sql.Errorf(sql.CodeInvalidParameterValue, "cannot replace existing key")
				e.Hint = "Try using the function jsonb_set to replace key value."
				return nil, e
			case pathDelete:
				continue
			}
			c.keys, c.vals = append(c.keys, k), append(c.vals, v)
		}
		if !found && last && op.adds() {
			c.keys, c.vals = append(c.keys, key), append(c.vals, v)
		}
		return c, nil
	case 'a':
		idx, err := strconv.ParseInt(strings.TrimSpace(key), 10, 32)
		if err != nil {
			return nil, sql.Errorf(sql.CodeInvalidTextRepresentation, "path element at position %d is not an integer: \"%s\"", level+1, key)
		}
		nel := int64(len(n.items))
		prepend := false
		if idx < 0 {
			if -idx > nel {
				prepend = true
			} else {
				idx += nel
			}
		}
		if idx > nel {
			idx = nel
		}
		c := &jnode{kind: 'a'}
		done := false
		if (prepend || nel == 0) && last && op.adds() {
			c.items = append(c.items, v)
			done = true
		}
		for i, e := range n.items {
			if !prepend && int64(i) == idx {
				if !last {
					r, err := setPathOp(e, path, level+1, v, op)
					if err != nil {
						return nil, err
					}
					c.items = append(c.items, r)
					continue
				}
				if op == pathInsertBefore || op == pathCreate {
					c.items = append(c.items, v)
				}
				if op == pathInsertBefore || op == pathInsertAfter {
					c.items = append(c.items, e)
				}
				if op == pathInsertAfter || op == pathReplace {
					c.items = append(c.items, v)
				}
				done = true
				continue
			}
			c.items = append(c.items, e)
			if op.adds() && !done && last && int64(i) == nel-1 {
				c.items = append(c.items, v)
			}
		}
		return c, nil
	}
	return n, nil
}

func renderJSONB(n *jnode) (sql.Value, error) { return jsonbNormalize(string(render(nil, n))) }

// pathFunc evaluates jsonb_set, jsonb_insert and #- on a document.
func pathFunc(doc sql.Value, path []sql.Value, nv sql.Value, op pathOp) (sql.Value, error) {
	n, err := jsonArg(doc)
	if err != nil {
		return sql.Null, err
	}
	var v *jnode
	if op != pathDelete {
		if v, err = jsonArg(nv); err != nil {
			return sql.Null, err
		}
	}
	if n.kind != 'o' && n.kind != 'a' {
		if op == pathDelete {
			return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "cannot delete path in scalar")
		}
		return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "cannot set path in scalar")
	}
	if len(path) == 0 {
		return doc, nil
	}
	r, err := setPathOp(n, path, 0, v, op)
	if err != nil {
		return sql.Null, err
	}
	return renderJSONB(r)
}

// exists is jsonb's ?: a top-level key, or a string element of a top-level
// array (a scalar string counts as a one-element array, as in PostgreSQL).
func (n *jnode) exists(k string) bool {
	switch n.kind {
	case 'o':
		return n.field(k) != nil
	case 'a':
		for _, e := range n.items {
			if e.kind == 's' && e.str == k {
				return true
			}
		}
		return false
	case 's':
		return n.str == k
	}
	return false
}

func existsEval(doc sql.Value, keys []sql.Value, all bool) (sql.Value, error) {
	n, err := jsonArg(doc)
	if err != nil {
		return sql.Null, err
	}
	for _, k := range keys {
		if k.IsNull() {
			continue // PostgreSQL skips NULL keys for ?| and ?&
		}
		if n.exists(k.Text()) != all {
			return sql.NewBool(!all), nil
		}
	}
	return sql.NewBool(all), nil
}

// deleteKeys is jsonb - text and jsonb - text[]: object members by key, or
// array elements that are those strings.
func deleteKeys(doc sql.Value, keys []sql.Value) (sql.Value, error) {
	n, err := jsonArg(doc)
	if err != nil {
		return sql.Null, err
	}
	if n.kind != 'o' && n.kind != 'a' {
		return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "cannot delete from scalar")
	}
	if len(keys) == 0 {
		return doc, nil
	}
	drop := map[string]bool{}
	for _, k := range keys {
		if !k.IsNull() {
			drop[k.Text()] = true
		}
	}
	c := &jnode{kind: n.kind}
	for i, k := range n.keys {
		if !drop[k] {
			c.keys, c.vals = append(c.keys, k), append(c.vals, n.vals[i])
		}
	}
	for _, e := range n.items {
		if e.kind != 's' || !drop[e.str] {
			c.items = append(c.items, e)
		}
	}
	return renderJSONB(c)
}

func deleteIndex(doc sql.Value, idx int64) (sql.Value, error) {
	n, err := jsonArg(doc)
	if err != nil {
		return sql.Null, err
	}
	switch n.kind {
	case 'o':
		return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "cannot delete from object using integer index")
	case 'a':
	default:
		return sql.Null, sql.Errorf(sql.CodeInvalidParameterValue, "cannot delete from scalar")
	}
	nel := int64(len(n.items))
	if idx < 0 {
		idx += nel
	}
	if idx < 0 || idx >= nel {
		return doc, nil
	}
	c := &jnode{kind: 'a', items: append(append([]*jnode(nil), n.items[:idx]...), n.items[idx+1:]...)}
	return renderJSONB(c)
}

// concatJSONB is jsonb || jsonb: objects merge (the right side wins),
// anything else concatenates as arrays, a scalar or object counting as a
// one-element array.
func concatJSONB(x, y sql.Value) (sql.Value, error) {
	a, err := jsonArg(x)
	if err != nil {
		return sql.Null, err
	}
	b, err := jsonArg(y)
	if err != nil {
		return sql.Null, err
	}
	if a.kind == 'o' && b.kind == 'o' {
		c := &jnode{kind: 'o', keys: append(append([]string(nil), a.keys...), b.keys...), vals: append(append([]*jnode(nil), a.vals...), b.vals...)}
		return renderJSONB(c)
	}
	elems := func(n *jnode) []*jnode {
		if n.kind == 'a' {
			return n.items
		}
		return []*jnode{n}
	}
	c := &jnode{kind: 'a', items: append(append([]*jnode(nil), elems(a)...), elems(b)...)}
	return renderJSONB(c)
}

func init() {
	textArr := sql.ArrayOf(sql.Text)
	exists := func(_ *Context, a []sql.Value) (sql.Value, error) { return existsEval(a[0], a[1:2], true) }
	existsAny := func(_ *Context, a []sql.Value) (sql.Value, error) { return existsEval(a[0], a[1].Array(), false) }
	existsAll := func(_ *Context, a []sql.Value) (sql.Value, error) { return existsEval(a[0], a[1].Array(), true) }
	Register(
		fn("eddy_json_exists", types(sql.JSONB, sql.Text), sql.Bool, exists),
		fn("jsonb_exists", types(sql.JSONB, sql.Text), sql.Bool, exists),
		fn("eddy_json_exists_any", types(sql.JSONB, textArr), sql.Bool, existsAny),
		fn("jsonb_exists_any", types(sql.JSONB, textArr), sql.Bool, existsAny),
		fn("eddy_json_exists_all", types(sql.JSONB, textArr), sql.Bool, existsAll),
		fn("jsonb_exists_all", types(sql.JSONB, textArr), sql.Bool, existsAll),
		fn("jsonb_delete", types(sql.JSONB, sql.Text), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return deleteKeys(a[0], a[1:2])
		}),
		fn("jsonb_delete", types(sql.JSONB, sql.Int4), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return deleteIndex(a[0], a[1].Int())
		}),
		fn("jsonb_delete", types(sql.JSONB, textArr), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return deleteKeys(a[0], a[1].Array())
		}),
		fn("jsonb_delete_path", types(sql.JSONB, textArr), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return pathFunc(a[0], a[1].Array(), sql.Null, pathDelete)
		}),
		fn("jsonb_concat", types(sql.JSONB, sql.JSONB), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return concatJSONB(a[0], a[1])
		}),
		fn("jsonb_contains", types(sql.JSONB, sql.JSONB), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return containsEval(a[0], a[1])
		}),
		fn("jsonb_contained", types(sql.JSONB, sql.JSONB), sql.Bool, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return containsEval(a[1], a[0])
		}),
		fn("jsonb_insert", types(sql.JSONB, textArr, sql.JSONB), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			return pathFunc(a[0], a[1].Array(), a[2], pathInsertBefore)
		}),
		fn("jsonb_insert", types(sql.JSONB, textArr, sql.JSONB, sql.Bool), sql.JSONB, func(_ *Context, a []sql.Value) (sql.Value, error) {
			op := pathInsertBefore
			if a[3].Bool() {
				op = pathInsertAfter
			}
			return pathFunc(a[0], a[1].Array(), a[2], op)
		}),
	)
}
