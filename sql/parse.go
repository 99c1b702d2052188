package sql

import (
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values in the AST
)

// Statement is one statement of a query string.
type Statement struct {
	Text   string       // the statement's original text (without the trailing ';')
	Offset int          // byte offset of Text within the query string
	AST    ast.StmtNode // a TiDB statement after rewriting (SELECT, set operations, INSERT, UPDATE, DELETE, EXPLAIN of those); nil if Own is set
	Own    Stmt         // an eddy statement; nil if AST is set

	// Returning is the RETURNING list of an INSERT, UPDATE or DELETE, which
	// TiDB's grammar lacks: it is cut from the statement and parsed apart.
	Returning *ast.FieldList
	// OnConflict is INSERT's ON CONFLICT clause, which TiDB's grammar lacks:
	// it is cut from the statement and parsed apart, like Returning.
	OnConflict *OnConflict
	// Rewritten is the text handed to the TiDB parser (for EXPLAIN and debugging).
	Rewritten string
}

// sqlMode makes TiDB read "x" as an identifier, || as concatenation and
// backslashes in ” strings literally, as PostgreSQL does.
const sqlMode = mysql.ModeANSIQuotes | mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes

var parserPool = sync.Pool{New: func() any {
	p := parser.New()
	p.SetSQLMode(sqlMode)
	return p
}}

// Parse splits query at top-level semicolons (respecting strings, E”, $$dollar$$ quotes, quoted
// identifiers, comments -- and nested /* */, and the BEGIN ATOMIC bodies of
// functions: split.go) and parses each statement. Empty statements are dropped.
func Parse(query string) (stmts []Statement, err error) {
	defer func() {
		// The dialect layer must never take the server down; a panic in it is
		// a bug reported as an internal error.
		if p := recover(); p != nil {
			stmts = nil
			err = &Error{Code: CodeInternal, Message: "internal error while parsing: " + strings.TrimSpace(toString(p))}
		}
	}()
	toks, lerr := lexAll(query, 0, len(query))
	if lerr != nil {
		return nil, lerr
	}
	start := 0 // index of the first token of the current statement
	var split routineSplit
	for i, t := range toks {
		if t.kind != tkEOF && !(t.isP(";") && split.ends()) {
			split.see(t)
			continue
		}
		split = routineSplit{}
		if i > start {
			st, err := parseStatement(query, toks[start:i])
			if err != nil {
				return nil, err
			}
			stmts = append(stmts, st)
		}
		start = i + 1
	}
	return stmts, nil
}

func toString(p any) string {
	switch v := p.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "panic"
}

// parseStatement parses the tokens of one statement (without ';').
func parseStatement(src string, toks []token) (Statement, *Error) {
	from, to := toks[0].pos, toks[len(toks)-1].end
	st := Statement{Text: src[from:to], Offset: from}
	// tokens with an EOF at the end, as the parsers expect
	ts := append(append([]token(nil), toks...), token{kind: tkEOF, pos: to, end: to})
	if isOwnStatement(ts) {
		own, err := parseOwn(src, ts)
		if err != nil {
			return st, err
		}
		st.Own = own
		return st, nil
	}
	node, ret, oc, text, err := parseTiDB(src, ts)
	if err != nil {
		return st, err
	}
	st.AST, st.Returning, st.OnConflict, st.Rewritten = node, ret, oc, text
	return st, nil
}

// OnConflict is ON CONFLICT [(cols) | ON CONSTRAINT name] DO NOTHING | DO
// UPDATE SET ... [WHERE ...].
type OnConflict struct {
	Columns    []string // the conflict target; nil with Constraint or none
	Constraint string
	Alias      string // INSERT INTO t AS alias: the existing row's name in DO UPDATE
	DoNothing  bool
	Set        []*ast.Assignment // DO UPDATE SET; EXCLUDED.c is a column of table "excluded"
	Where      ast.ExprNode      // DO UPDATE ... WHERE; nil if absent
}

// conflictClause is ON CONFLICT cut from an INSERT: the parsed target and
// action, and for DO UPDATE the text of an UPDATE statement carrying its SET
// list and WHERE, for the TiDB parser to parse.
type conflictClause struct {
	oc     OnConflict
	update []piece
}

// cutOnConflict removes a top-level ON CONFLICT clause from an INSERT.
func (r *rewriter) cutOnConflict(tree []*node) ([]*node, *conflictClause, *Error) {
	if len(tree) == 0 || !tree[0].isWord("insert") {
		return tree, nil, nil
	}
	i := 0
	for ; i+1 < len(tree); i++ {
		if tree[i].isWord("on") && tree[i+1].isWord("conflict") {
			break
		}
	}
	if i+1 >= len(tree) {
		return tree, nil, nil
	}
	rest, head := tree[i+2:], tree[:i]
	cc := &conflictClause{}
	// INSERT INTO t AS alias: TiDB has no alias there; cut it out.
	if len(head) > 2 && head[1].isWord("into") {
		j := 3
		for j+1 < len(head) && head[j].isPunct(".") {
			j += 2
		}
		if j+1 < len(head) && head[j].isWord("as") && head[j+1].kind == nLeaf && (head[j+1].tok.kind == tkIdent || head[j+1].tok.kind == tkQIdent) {
			cc.oc.Alias = head[j+1].tok.val
			head = append(append([]*node(nil), head[:j]...), head[j+2:]...)
		}
	}
	errAt := func(k int) *Error {
		if k >= len(rest) {
			return endOfInputErr(r.src, len(r.src))
		}
		return syntaxErrAt(r.src, rest[k].tok)
	}
	k := 0
	switch {
	case k < len(rest) && rest[k].kind == nParen:
		for j, kid := range rest[k].kids {
			if j%2 == 1 {
				if !kid.isPunct(",") {
					return nil, nil, syntaxErrAt(r.src, kid.tok)
				}
				continue
			}
			if kid.kind != nLeaf || (kid.tok.kind != tkIdent && kid.tok.kind != tkQIdent) {
				return nil, nil, &Error{Code: CodeFeatureNotSupported, Message: "ON CONFLICT over an expression is not supported"}
			}
			cc.oc.Columns = append(cc.oc.Columns, kid.tok.val)
		}
		k++
		if k < len(rest) && rest[k].isWord("where") {
			return nil, nil, &Error{Code: CodeFeatureNotSupported, Message: "ON CONFLICT over a partial index is not supported"}
		}
	case k+2 < len(rest) && rest[k].isWord("on") && rest[k+1].isWord("constraint"):
		t := rest[k+2].tok
		if rest[k+2].kind != nLeaf || (t.kind != tkIdent && t.kind != tkQIdent) {
			return nil, nil, errAt(k + 2)
		}
		cc.oc.Constraint = t.val
		k += 3
	}
	if k >= len(rest) || !rest[k].isWord("do") {
		return nil, nil, errAt(k)
	}
	k++
	switch {
	case k < len(rest) && rest[k].isWord("nothing"):
		cc.oc.DoNothing = true
		if k+1 < len(rest) {
			return nil, nil, errAt(k + 1)
		}
	case k+1 < len(rest) && rest[k].isWord("update") && rest[k+1].isWord("set"):
		out, err := r.seq(rest[k+2:], ctxQuery)
		if err != nil {
			return nil, nil, err
		}
		w := &writer{}
		w.add("update eddy_excluded set", rest[k].pos())
		w.seq(out)
		cc.update = w.ps
	default:
		return nil, nil, errAt(k)
	}
	return head, cc, nil
}

// Rewrite returns the TiDB text for a PostgreSQL query (for tests and EXPLAIN).
func Rewrite(query string) (string, error) {
	toks, err := lexAll(query, 0, len(query))
	if err != nil {
		return "", err
	}
	text, _, _, _, rerr := rewriteTokens(query, toks)
	if rerr != nil {
		return "", rerr
	}
	return text, nil
}

// rewriteTokens runs the dialect rewriter; it returns the TiDB text, its
// position map, the RETURNING list (rendered as a SELECT list) if any, and
// the ON CONFLICT clause if any.
func rewriteTokens(src string, toks []token) (string, []piece, []piece, *conflictClause, *Error) {
	tree, err := buildTree(src, toks)
	if err != nil {
		return "", nil, nil, nil, err
	}
	r := &rewriter{src: src}
	// RETURNING belongs to DML only; TiDB lacks it, so it is cut off here.
	var retNodes []*node
	if len(tree) > 0 && (tree[0].isWord("insert") || tree[0].isWord("update") || tree[0].isWord("delete") || tree[0].isWord("with")) {
		for i, n := range tree {
			if n.isWord("returning") {
				retNodes = tree[i+1:]
				if len(retNodes) == 0 {
					return "", nil, nil, nil, endOfInputErr(src, n.tok.end)
				}
				tree = tree[:i]
				break
			}
		}
	}
	tree, cc, err := r.cutOnConflict(tree)
	if err != nil {
		return "", nil, nil, nil, err
	}
	tree = dmlForms(tree)
	out, err := r.seq(tree, ctxQuery)
	if err != nil {
		return "", nil, nil, nil, err
	}
	w := renderNodes(out)
	var ret []piece
	if retNodes != nil {
		rn, err := r.seq(retNodes, ctxArgs)
		if err != nil {
			return "", nil, nil, nil, err
		}
		rw := &writer{}
		rw.add("select", retNodes[0].pos())
		rw.seq(rn)
		ret = rw.ps
	}
	return w.String(), w.ps, ret, cc, nil
}

// dmlForms rewrites INSERT ... DEFAULT VALUES into TiDB's "() VALUES ()".
func dmlForms(tree []*node) []*node {
	if len(tree) == 0 || !tree[0].isWord("insert") {
		return tree
	}
	for i := 0; i+1 < len(tree); i++ {
		if tree[i].isWord("default") && tree[i+1].isWord("values") {
			pos := tree[i].tok.pos
			n := append([]*node(nil), tree[:i]...)
			n = append(n, synth(func(w *writer) { w.add("() values ()", pos) }))
			return append(n, tree[i+2:]...)
		}
	}
	return tree
}

// parseTiDB rewrites and parses one statement with the TiDB parser.
func parseTiDB(src string, toks []token) (ast.StmtNode, *ast.FieldList, *OnConflict, string, *Error) {
	text, ps, ret, cc, err := rewriteTokens(src, toks)
	if err != nil {
		return nil, nil, nil, text, err
	}
	stmt, perr := tidbParse(src, text, ps, toks[len(toks)-1].pos)
	if perr != nil {
		return nil, nil, nil, text, perr
	}
	switch stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
	default:
		return nil, nil, nil, text, syntaxErrAt(src, toks[0])
	}
	var fields *ast.FieldList
	if ret != nil {
		w := &writer{ps: ret}
		rs, rerr := tidbParse(src, w.String(), ret, toks[len(toks)-1].pos)
		if rerr != nil {
			return nil, nil, nil, text, rerr
		}
		sel, ok := rs.(*ast.SelectStmt)
		if !ok {
			return nil, nil, nil, text, syntaxErrAt(src, toks[0])
		}
		fields = sel.Fields
	}
	var oc *OnConflict
	if cc != nil {
		oc = &cc.oc
		if cc.update != nil {
			w := &writer{ps: cc.update}
			us, uerr := tidbParse(src, w.String(), cc.update, toks[len(toks)-1].pos)
			if uerr != nil {
				return nil, nil, nil, text, uerr
			}
			up, ok := us.(*ast.UpdateStmt)
			if !ok || up.Order != nil || up.Limit != nil {
				return nil, nil, nil, text, syntaxErrAt(src, toks[0])
			}
			oc.Set, oc.Where = up.List, up.Where
		}
	}
	return stmt, fields, oc, text, nil
}

// tidbParse parses rewritten text; errors are mapped to the original text
// through the piece map. endPos is the end of the statement in src.
func tidbParse(src, text string, ps []piece, endPos int) (st ast.StmtNode, perr *Error) {
	p := parserPool.Get().(*parser.Parser)
	defer func() {
		// The literal driver panics on decimals it cannot represent (very
		// long numbers); the parser is then dropped rather than reused.
		if r := recover(); r != nil {
			st = nil
			perr = &Error{Code: CodeNumericValueOutOfRange, Message: "numeric literal out of range or not parsable"}
		}
	}()
	stmts, _, err := p.Parse(text, "", "")
	// stmts is the parser's own result slice, which its next Parse
	// overwrites: read it before another goroutine can take the parser.
	n := len(stmts)
	if n == 1 {
		st = stmts[0]
	}
	parserPool.Put(p)
	if err != nil {
		off := tidbErrorOffset(err.Error(), text)
		if off >= len(strings.TrimRight(text, " ")) {
			return nil, endOfInputErr(src, endPos)
		}
		orig := mapOffset(ps, off)
		return nil, errorAtSource(src, orig)
	}
	if n != 1 {
		return nil, endOfInputErr(src, endPos)
	}
	return st, nil
}

// tidbErrorOffset finds the byte offset in text at which TiDB reported an
// error: its message quotes the rest of the input from that point.
func tidbErrorOffset(msg, text string) int {
	k := strings.LastIndex(msg, ` near "`)
	if k < 0 {
		return len(text)
	}
	rest := msg[k+len(` near "`):]
	if t := strings.Index(rest, "(total length "); t >= 0 {
		n, err := strconv.Atoi(strings.TrimRight(rest[t+len("(total length "):], ") "))
		if err == nil && n <= len(text) {
			return len(text) - n
		}
	}
	rest = strings.TrimRight(rest, " ")
	rest = strings.TrimSuffix(rest, `"`)
	for len(rest) > 0 {
		if strings.HasSuffix(text, rest) {
			return len(text) - len(rest)
		}
		// the message may carry text after the quote; drop it and retry
		q := strings.LastIndexByte(rest, '"')
		if q < 0 {
			break
		}
		rest = rest[:q]
	}
	return len(text)
}

// mapOffset maps an offset in rewritten text back to the source.
func mapOffset(ps []piece, off int) int {
	starts := make([]int, len(ps))
	n := 0
	for i, p := range ps {
		starts[i] = n
		n += len(p.text)
	}
	k := sort.Search(len(ps), func(i int) bool { return starts[i] > off }) - 1
	if k < 0 {
		return 0
	}
	p := ps[k]
	// a leading space belongs to the separator, not to the source token
	return p.src
}

// errorAtSource builds PostgreSQL's "syntax error at or near" for the token at off.
func errorAtSource(src string, off int) *Error {
	l := &lexer{src: src, pos: off, end: len(src)}
	t, err := l.next()
	if err != nil || t.kind == tkEOF {
		return endOfInputErr(src, off)
	}
	return &Error{Code: CodeSyntaxError, Message: "syntax error at or near \"" + src[t.pos:t.end] + "\"", Position: charPos(src, t.pos)}
}

// ownLeaders are the leading keywords of eddy's own statements.
var ownLeaders = wordSet(`create drop alter set reset show begin start commit end rollback abort savepoint release
explain subscribe copy declare fetch move close discard deallocate truncate refresh flush analyze analyse vacuum
comment prepare execute listen unlisten notify lock checkpoint grant revoke`)

func isOwnStatement(ts []token) bool {
	return ts[0].kind == tkIdent && ownLeaders[ts[0].val]
}
