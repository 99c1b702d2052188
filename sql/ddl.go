package sql

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// ownParser is a recursive-descent parser for eddy's own statements over the
// PostgreSQL tokens of one statement (ts ends with tkEOF).
type ownParser struct {
	src string
	ts  []token
	i   int
}

func parseOwn(src string, ts []token) (Stmt, *Error) {
	p := &ownParser{src: src, ts: ts}
	s, err := p.statement()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tkEOF {
		return nil, p.err()
	}
	return s, nil
}

func (p *ownParser) peek() token { return p.ts[p.i] }
func (p *ownParser) peekAt(k int) token {
	if p.i+k < len(p.ts) {
		return p.ts[p.i+k]
	}
	return p.ts[len(p.ts)-1]
}
func (p *ownParser) advance() token {
	t := p.ts[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}
func (p *ownParser) err() *Error { return syntaxErrAt(p.src, p.peek()) }

func (p *ownParser) accept(words ...string) bool {
	for k, w := range words {
		if !p.peekAt(k).is(w) {
			return false
		}
	}
	p.i += len(words)
	return true
}

func (p *ownParser) expect(words ...string) *Error {
	for _, w := range words {
		if !p.peek().is(w) {
			return p.err()
		}
		p.i++
	}
	return nil
}

func (p *ownParser) acceptP(s string) bool {
	if p.peek().isP(s) || p.peek().isOp(s) {
		p.i++
		return true
	}
	return false
}

func (p *ownParser) expectP(s string) *Error {
	if !p.acceptP(s) {
		return p.err()
	}
	return nil
}

// ident reads an identifier: a word (folded) or a quoted name.
func (p *ownParser) ident() (string, *Error) {
	t := p.peek()
	if t.kind == tkIdent || t.kind == tkQIdent {
		p.i++
		return t.val, nil
	}
	return "", p.err()
}

func (p *ownParser) objectName() (ObjectName, *Error) {
	a, err := p.ident()
	if err != nil {
		return ObjectName{}, err
	}
	if p.peek().isP(".") {
		p.i++
		b, err := p.ident()
		if err != nil {
			return ObjectName{}, err
		}
		return ObjectName{Schema: a, Name: b}, nil
	}
	return ObjectName{Name: a}, nil
}

func (p *ownParser) identList() ([]string, *Error) {
	if err := p.expectP("("); err != nil {
		return nil, err
	}
	var out []string
	for {
		s, err := p.ident()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		if p.acceptP(")") {
			return out, nil
		}
		if err := p.expectP(","); err != nil {
			return nil, err
		}
	}
}

// span returns the index just past a balanced run of tokens that stops at a
// top-level token for which stop is true (or the end).
func (p *ownParser) span(stop func(t token) bool) (int, *Error) {
	depth := 0
	j := p.i
	for ; p.ts[j].kind != tkEOF; j++ {
		t := p.ts[j]
		if depth == 0 && stop(t) {
			break
		}
		if t.isP("(") || t.isP("[") {
			depth++
		} else if t.isP(")") || t.isP("]") {
			if depth == 0 {
				break
			}
			depth--
		}
	}
	return j, nil
}

// query parses the rest of the statement (or up to the matching ')' when
// inParens) as a query.
func (p *ownParser) query(inParens bool) (*Query, *Error) {
	end, _ := p.span(func(token) bool { return false })
	if end == p.i {
		return nil, p.err()
	}
	toks := append(append([]token(nil), p.ts[p.i:end]...), token{kind: tkEOF, pos: p.ts[end].pos, end: p.ts[end].pos})
	if !toks[0].is("select") && !toks[0].is("with") && !toks[0].is("values") && !toks[0].isP("(") && !toks[0].is("table") {
		return nil, syntaxErrAt(p.src, toks[0])
	}
	node, _, _, _, err := parseTiDB(p.src, toks)
	if err != nil {
		return nil, err
	}
	switch node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		return nil, syntaxErrAt(p.src, toks[0])
	}
	q := &Query{Text: p.src[toks[0].pos:p.ts[end-1].end], AST: node}
	p.i = end
	_ = inParens
	return q, nil
}

// expr parses a balanced run of tokens up to a top-level stop token as an
// expression (through SELECT <expr>).
func (p *ownParser) expr(stop func(t token) bool) (*Expr, *Error) {
	end, _ := p.span(stop)
	if end == p.i {
		return nil, p.err()
	}
	first := p.ts[p.i]
	toks := []token{{kind: tkIdent, val: "select", pos: first.pos, end: first.pos}}
	toks = append(toks, p.ts[p.i:end]...)
	toks = append(toks, token{kind: tkEOF, pos: p.ts[end].pos, end: p.ts[end].pos})
	node, _, _, _, err := parseTiDB(p.src, toks)
	if err != nil {
		return nil, err
	}
	sel, ok := node.(*ast.SelectStmt)
	if !ok || sel.Fields == nil || len(sel.Fields.Fields) != 1 || sel.Fields.Fields[0].AsName.L != "" || sel.From != nil || sel.Where != nil {
		return nil, syntaxErrAt(p.src, first)
	}
	e := &Expr{Text: p.src[first.pos:p.ts[end-1].end], AST: sel.Fields.Fields[0].Expr}
	p.i = end
	return e, nil
}

// typeName parses a type name at the cursor.
func (p *ownParser) typeName() (Type, string, *Error) {
	end, _ := p.span(func(t token) bool { return t.isP(",") })
	toks := append(append([]token(nil), p.ts[p.i:end]...), token{kind: tkEOF, pos: p.ts[end].pos})
	tree, err := buildTree(p.src, toks)
	if err != nil {
		return Type{}, "", err
	}
	text, next, ok := parseTypeNodes(tree, 0)
	if !ok {
		return Type{}, "", p.err()
	}
	n := 0
	for _, nd := range tree[:next] {
		n += countTokens(nd)
	}
	start := p.ts[p.i]
	p.i += n
	t, terr := typeFromText(text)
	if terr != nil {
		if isSerialType(text) {
			return Type{}, "", terr
		}
		return Type{}, "", terr.WithPosition(charPos(p.src, start.pos))
	}
	return t, text, nil
}

func countTokens(n *node) int {
	if n.kind == nParen || n.kind == nBracket {
		c := 2
		for _, k := range n.kids {
			c += countTokens(k)
		}
		return c
	}
	return 1
}

// literal reads an option or SET value: a string, number, signed number,
// word or keyword; it returns the value's text.
func (p *ownParser) literal() (string, *Error) {
	t := p.peek()
	switch t.kind {
	case tkString, tkIdent, tkQIdent:
		p.i++
		return t.val, nil
	case tkNumber:
		p.i++
		return t.val, nil
	case tkOp:
		if (t.val == "-" || t.val == "+") && p.peekAt(1).kind == tkNumber {
			p.i += 2
			if t.val == "-" {
				return "-" + p.ts[p.i-1].val, nil
			}
			return p.ts[p.i-1].val, nil
		}
	}
	return "", p.err()
}

// withOptions parses ( key [= value], ... ).
func (p *ownParser) options() ([]Option, *Error) {
	if err := p.expectP("("); err != nil {
		return nil, err
	}
	var out []Option
	for {
		// RisingWave also quotes keys as strings: WITH ('appendonly' = true).
		var k string
		if t := p.peek(); t.kind == tkString {
			p.i++
			k = t.val
		} else {
			var err *Error
			if k, err = p.ident(); err != nil {
				return nil, err
			}
		}
		k = strings.ToLower(k)
		// dotted keys such as kafka.bootstrap.servers
		for p.peek().isP(".") && (p.peekAt(1).kind == tkIdent || p.peekAt(1).kind == tkQIdent) {
			k += "." + p.ts[p.i+1].val
			p.i += 2
		}
		o := Option{Key: k}
		if p.acceptP("=") || (!p.peek().isP(",") && !p.peek().isP(")")) {
			v, err := p.literal()
			if err != nil {
				return nil, err
			}
			o.Value = v
		}
		out = append(out, o)
		if p.acceptP(")") {
			return out, nil
		}
		if err := p.expectP(","); err != nil {
			return nil, err
		}
	}
}

func (p *ownParser) statement() (Stmt, *Error) {
	t := p.advance()
	switch t.val {
	case "create":
		return p.create()
	case "drop":
		return p.drop()
	case "alter":
		return p.alter()
	case "set":
		return p.set()
	case "reset":
		if p.accept("all") {
			return &Reset{All: true}, nil
		}
		n, err := p.settingName()
		return &Reset{Name: n}, err
	case "show":
		return p.show()
	case "begin":
		p.accept("transaction") // BEGIN TRANSACTION | BEGIN WORK
		p.accept("work")
		return p.txnModes()
	case "start":
		if err := p.expect("transaction"); err != nil {
			return nil, err
		}
		return p.txnModes()
	case "commit", "end":
		if !p.accept("work") {
			p.accept("transaction")
		}
		p.accept("and", "no", "chain")
		return &Commit{}, nil
	case "rollback", "abort":
		if !p.accept("work") {
			p.accept("transaction")
		}
		if t.val == "rollback" && p.accept("to") {
			p.accept("savepoint")
			n, err := p.ident()
			return &RollbackToSavepoint{Name: n}, err
		}
		p.accept("and", "no", "chain")
		return &Rollback{}, nil
	case "savepoint":
		n, err := p.ident()
		return &Savepoint{Name: n}, err
	case "release":
		p.accept("savepoint")
		n, err := p.ident()
		return &ReleaseSavepoint{Name: n}, err
	case "explain":
		return p.explain()
	case "subscribe":
		return p.subscribe()
	case "copy":
		return p.copy()
	case "declare":
		return p.declare()
	case "fetch", "move":
		return p.fetch(t.val == "move")
	case "close":
		if p.accept("all") {
			return &Close{All: true}, nil
		}
		n, err := p.ident()
		return &Close{Cursor: n}, err
	case "discard":
		w := p.peek()
		if w.is("all") || w.is("plans") || w.is("sequences") || w.is("temp") || w.is("temporary") {
			p.i++
			return &Discard{What: w.val}, nil
		}
		return nil, p.err()
	case "prepare":
		return p.prepareStmt() // prepare_stmt.go
	case "execute":
		return p.executeStmt()
	case "deallocate":
		p.accept("prepare")
		if p.accept("all") {
			return &Deallocate{All: true}, nil
		}
		n, err := p.ident()
		return &Deallocate{Name: n}, err
	case "truncate":
		p.accept("table")
		var names []ObjectName
		for {
			n, err := p.objectName()
			if err != nil {
				return nil, err
			}
			names = append(names, n)
			if !p.acceptP(",") {
				break
			}
		}
		return &Truncate{Tables: names}, nil
	case "refresh":
		if err := p.expect("materialized", "view"); err != nil {
			return nil, err
		}
		n, err := p.objectName()
		return &RefreshMaterializedView{Name: n}, err
	case "flush":
		return &Flush{}, nil
	case "analyze", "analyse", "vacuum", "checkpoint":
		// accepted as no-ops: skip whatever options and tables follow
		p.i = len(p.ts) - 1
		return &Maintenance{Kind: t.val}, nil
	case "listen", "unlisten", "notify":
		return p.notifyStmt(t.val) // notify_stmt.go
	case "comment":
		return p.comment()
	case "grant", "revoke":
		return p.grant(t.val == "revoke")
	}
	p.i--
	return nil, p.err()
}

func (p *ownParser) settingName() (string, *Error) {
	n, err := p.ident()
	if err != nil {
		return "", err
	}
	for p.acceptP(".") {
		m, err := p.ident()
		if err != nil {
			return "", err
		}
		n += "." + m
	}
	return strings.ToLower(n), nil
}

func (p *ownParser) set() (Stmt, *Error) {
	local := false
	if p.accept("session", "characteristics", "as", "transaction") {
		st, err := p.txnModes()
		if err != nil {
			return nil, err
		}
		b := st.(*Begin)
		return &SetTransaction{Session: true, Isolation: b.Isolation, ReadOnly: b.ReadOnly}, nil
	}
	if p.accept("local") {
		local = true
	} else {
		p.accept("session")
	}
	if p.accept("transaction") {
		st, err := p.txnModes()
		if err != nil {
			return nil, err
		}
		b := st.(*Begin)
		return &SetTransaction{Isolation: b.Isolation, ReadOnly: b.ReadOnly}, nil
	}
	if p.accept("time", "zone") {
		s := &Set{Name: "timezone", Local: local}
		switch {
		case p.accept("local"), p.accept("default"):
			s.Default = true
		case p.peek().is("interval") && p.peekAt(1).kind == tkString:
			v, err := p.intervalZone()
			if err != nil {
				return nil, err
			}
			s.Values = []string{v}
		default:
			v, err := p.setValue()
			if err != nil {
				return nil, err
			}
			s.Values = []string{v}
		}
		return s, nil
	}
	name, err := p.settingName()
	if err != nil {
		return nil, err
	}
	s := &Set{Name: name, Local: local}
	if !p.accept("to") && !p.acceptP("=") {
		return nil, p.err()
	}
	if p.accept("default") {
		s.Default = true
		return s, nil
	}
	for {
		v, err := p.setValue()
		if err != nil {
			return nil, err
		}
		s.Values = append(s.Values, v)
		if !p.acceptP(",") {
			return s, nil
		}
	}
}

// setValue reads one SET value; INTERVAL '...' is taken as its string.
// intervalZone reads SET TIME ZONE INTERVAL 'text' [qualifier]. The interval
// is an offset east of UTC; the setting becomes the POSIX zone PostgreSQL
// shows for it, '<-03>+03', whose sign is POSIX's (west positive).
func (p *ownParser) intervalZone() (string, *Error) {
	p.i++
	lit := p.peek()
	p.i++
	var words []string
	for intervalFields[p.peek().val] && p.peek().kind == tkIdent || (len(words) > 0 && p.peek().is("to")) {
		words = append(words, p.peek().val)
		p.i++
	}
	var iv IntervalValue
	var err error
	if len(words) == 0 {
		iv, err = parseInterval(lit.val)
	} else {
		rng := strings.Join(words, " ")
		if _, ok := intervalRanges[rng]; !ok {
			return "", syntaxErrAt(p.src, p.ts[p.i-1])
		}
		iv, err = qualifyInterval(lit.val, rng, -1)
	}
	if err != nil {
		e := err.(*Error)
		e.Position = charPos(p.src, lit.pos)
		return "", e
	}
	if iv.Months != 0 || iv.Days != 0 {
		return "", Errorf(CodeInvalidParameterValue, "invalid value for parameter \"TimeZone\": \"INTERVAL %s\"", quoteString(lit.val))
	}
	east := iv.Micros / 1_000_000
	return "<" + offsetText(east) + ">" + offsetText(-east), nil
}

// offsetText prints seconds as PostgreSQL names a fixed offset: +03, -05:30.
func offsetText(secs int64) string {
	sign := "+"
	if secs < 0 {
		sign, secs = "-", -secs
	}
	s := sign + pad2(secs/3600)
	if m := secs % 3600 / 60; m != 0 || secs%60 != 0 {
		s += ":" + pad2(m)
	}
	if secs%60 != 0 {
		s += ":" + pad2(secs%60)
	}
	return s
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func (p *ownParser) setValue() (string, *Error) {
	if p.peek().is("interval") && p.peekAt(1).kind == tkString {
		p.i++
	}
	if p.peek().kind == tkEOF {
		return "", p.err()
	}
	return p.literal()
}

func (p *ownParser) txnModes() (Stmt, *Error) {
	b := &Begin{}
	for {
		switch {
		case p.accept("isolation", "level"):
			switch {
			case p.accept("serializable"):
				b.Isolation = "serializable"
			case p.accept("repeatable", "read"):
				b.Isolation = "repeatable read"
			case p.accept("read", "committed"):
				b.Isolation = "read committed"
			case p.accept("read", "uncommitted"):
				b.Isolation = "read uncommitted"
			default:
				return nil, p.err()
			}
		case p.accept("read", "only"):
			v := true
			b.ReadOnly = &v
		case p.accept("read", "write"):
			v := false
			b.ReadOnly = &v
		case p.accept("deferrable"), p.accept("not", "deferrable"):
		default:
			return b, nil
		}
		p.acceptP(",")
	}
}

func (p *ownParser) show() (Stmt, *Error) {
	switch {
	case p.accept("materialized", "views"):
		return &ShowObjects{Kind: "materialized views"}, nil
	case p.accept("all"):
		return &Show{Name: "all"}, nil
	case p.accept("time", "zone"):
		return &Show{Name: "timezone"}, nil
	case p.accept("transaction", "isolation", "level"):
		return &Show{Name: "transaction_isolation"}, nil
	}
	for _, k := range []string{"sources", "sinks", "tables", "views", "indexes", "sequences"} {
		if p.peek().is(k) && p.peekAt(1).kind == tkEOF {
			p.i++
			return &ShowObjects{Kind: k}, nil
		}
	}
	n, err := p.settingName()
	return &Show{Name: n}, err
}

func (p *ownParser) ifNotExists() bool { return p.accept("if", "not", "exists") }

func (p *ownParser) create() (Stmt, *Error) {
	orReplace := p.accept("or", "replace")
	if tempView, ok := p.tempView(orReplace); ok {
		return tempView()
	}
	switch {
	case p.accept("materialized", "view"):
		return p.createView(orReplace, true)
	case p.accept("view"):
		return p.createView(orReplace, false)
	case p.accept("function"):
		return p.createFunction(orReplace)
	}
	if orReplace {
		return nil, p.err()
	}
	if p.peek().is("role") || p.peek().is("user") {
		return p.createRole(p.advance().val == "user")
	}
	if p.accept("schema") {
		return p.createSchema()
	}
	// LOCAL and GLOBAL are noise words before TEMPORARY, as in PostgreSQL.
	if p.peekAt(1).is("temp") || p.peekAt(1).is("temporary") {
		_ = p.accept("local") || p.accept("global")
	}
	temp := p.accept("temp") || p.accept("temporary")
	switch {
	case p.accept("table"):
		return p.createTable(temp)
	case temp && p.accept("sequence"):
		return p.createTempSequence()
	case temp:
		return nil, p.err()
	case p.accept("source"):
		return p.createSource()
	case p.accept("sink"):
		return p.createSink()
	case p.accept("unique", "index"):
		return p.createIndex(true)
	case p.accept("index"):
		return p.createIndex(false)
	case p.accept("sequence"):
		return p.createSequence()
	}
	return nil, p.err()
}

func (p *ownParser) createView(orReplace, mat bool) (Stmt, *Error) {
	v := &CreateView{OrReplace: orReplace, Materialized: mat, IfNotExists: p.ifNotExists()}
	var err *Error
	if v.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	if p.peek().isP("(") {
		if v.Columns, err = p.identList(); err != nil {
			return nil, err
		}
	}
	if p.accept("with") {
		if v.With, err = p.options(); err != nil {
			return nil, err
		}
	}
	// EMIT ON WINDOW CLOSE ends the statement, after the query, or (as
	// RisingWave also takes it) stands before AS.
	if mat && p.accept("emit", "on", "window", "close") {
		v.EmitOnWindowClose = true
	}
	if err := p.expect("as"); err != nil {
		return nil, err
	}
	end, _ := p.span(func(token) bool { return false })
	q := p
	if mat && !v.EmitOnWindowClose && end-p.i > 4 && p.ts[end-4].is("emit") && p.ts[end-3].is("on") && p.ts[end-2].is("window") && p.ts[end-1].is("close") {
		v.EmitOnWindowClose = true
		q = p.upTo(p.i, end-4)
	}
	if v.Query, err = q.query(false); err != nil {
		return nil, err
	}
	p.i = end
	return v, nil
}

func (p *ownParser) createTable(temp bool) (Stmt, *Error) {
	t := &CreateTable{Temporary: temp, IfNotExists: p.ifNotExists()}
	var err *Error
	if t.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	if p.accept("as") {
		if t.As, err = p.query(false); err != nil {
			return nil, err
		}
		return t, nil
	}
	if t.Columns, t.Constraints, t.Watermark, err = p.tableElems(); err != nil {
		return nil, err
	}
	t.AppendOnly = p.accept("append", "only")
	if t.OnConflict, err = p.tableOnConflict(); err != nil {
		return nil, err
	}
	if p.accept("with") {
		if t.With, err = p.options(); err != nil {
			return nil, err
		}
		t.With = appendOnlyOption(t, t.With)
	}
	if t.OnConflict == "" {
		if t.OnConflict, err = p.tableOnConflict(); err != nil {
			return nil, err
		}
	}
	// ON COMMIT parses on any table, as in PostgreSQL's grammar; only a
	// temporary one takes it (exec).
	if p.accept("on", "commit") {
		switch {
		case p.accept("drop"):
			t.OnCommit = "drop"
		case p.accept("delete", "rows"):
			t.OnCommit = "delete"
		case p.accept("preserve", "rows"):
			t.OnCommit = "preserve"
		default:
			return nil, p.err()
		}
	}
	return t, nil
}

// tableOnConflict parses RisingWave's ON CONFLICT clause of CREATE TABLE,
// if there is one (see CreateTable.OnConflict).
func (p *ownParser) tableOnConflict() (string, *Error) {
	if !p.accept("on", "conflict") {
		return "", nil
	}
	switch {
	case p.accept("ignore"), p.accept("do", "nothing"):
		return "ignore", nil
	case p.accept("overwrite"), p.accept("do", "update", "full"):
		return "overwrite", nil
	case p.accept("do", "update", "if", "not", "null"):
		return "update_if_not_null", nil
	}
	return "", p.err()
}

// appendOnlyOption takes RisingWave's spellings of APPEND ONLY, the table
// option appendonly = true (or append_only), out of opts.
func appendOnlyOption(t *CreateTable, opts []Option) []Option {
	out := opts[:0]
	for _, o := range opts {
		if o.Key == "appendonly" || o.Key == "append_only" {
			if strings.EqualFold(o.Value, "true") {
				t.AppendOnly = true
				continue
			}
			if strings.EqualFold(o.Value, "false") {
				continue
			}
		}
		out = append(out, o)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (p *ownParser) createSource() (Stmt, *Error) {
	s := &CreateSource{IfNotExists: p.ifNotExists()}
	var err *Error
	if s.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	if p.peek().isP("(") {
		if s.Columns, s.Constraints, s.Watermark, err = p.tableElems(); err != nil {
			return nil, err
		}
	}
	if err := p.expect("with"); err != nil {
		return nil, err
	}
	if s.With, err = p.options(); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *ownParser) createSink() (Stmt, *Error) {
	s := &CreateSink{IfNotExists: p.ifNotExists()}
	var err *Error
	if s.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	switch {
	case p.accept("from"):
		if p.peek().isP("(") {
			if s.Query, err = p.parenQuery(); err != nil {
				return nil, err
			}
		} else if s.From, err = p.objectName(); err != nil {
			return nil, err
		}
	case p.accept("as"):
		if s.Query, err = p.queryUntil("with"); err != nil {
			return nil, err
		}
	default:
		return nil, p.err()
	}
	if err := p.expect("with"); err != nil {
		return nil, err
	}
	if s.With, err = p.options(); err != nil {
		return nil, err
	}
	return s, nil
}

// queryUntil parses a query that ends at a top-level keyword (the last one
// in the statement, so that WITH of a CTE is not taken for the option list).
func (p *ownParser) queryUntil(word string) (*Query, *Error) {
	end, _ := p.span(func(token) bool { return false })
	k := -1
	depth := 0
	for j := p.i; j < end; j++ {
		t := p.ts[j]
		if t.isP("(") {
			depth++
		} else if t.isP(")") {
			depth--
		} else if depth == 0 && t.is(word) && j > p.i && p.ts[j+1].isP("(") {
			k = j
		}
	}
	if k < 0 {
		return p.query(false)
	}
	q, err := p.upTo(p.i, k).query(false)
	if err != nil {
		return nil, err
	}
	p.i = k
	return q, nil
}

// parenQuery parses "( query )".
func (p *ownParser) parenQuery() (*Query, *Error) {
	if !p.peek().isP("(") {
		return nil, p.expectP("(")
	}
	sub, closing, err := p.inParens()
	if err != nil {
		return nil, err
	}
	q, err := sub.query(true)
	if err != nil {
		return nil, err
	}
	p.i = closing + 1
	return q, nil
}

// inParens returns a parser over the tokens inside the parentheses that
// open at the current token, and the index of the closing one.
func (p *ownParser) inParens() (*ownParser, int, *Error) {
	depth := 0
	j := p.i
	for ; p.ts[j].kind != tkEOF; j++ {
		if p.ts[j].isP("(") {
			depth++
		} else if p.ts[j].isP(")") {
			depth--
			if depth == 0 {
				break
			}
		}
	}
	if p.ts[j].kind == tkEOF {
		return nil, 0, syntaxErrAt(p.src, p.ts[j])
	}
	return p.upTo(p.i+1, j), j, nil
}

// upTo returns a parser over tokens [from, end) of p, ended by EOF.
func (p *ownParser) upTo(from, end int) *ownParser {
	ts := append(append([]token(nil), p.ts[:end]...), token{kind: tkEOF, pos: p.ts[end].pos, end: p.ts[end].pos})
	return &ownParser{src: p.src, ts: ts, i: from}
}

// tableElems parses the parenthesized columns, constraints and WATERMARK
// FOR clause of CREATE TABLE or SOURCE.
func (p *ownParser) tableElems() ([]ColumnDef, []TableConstraint, *Watermark, *Error) {
	if err := p.expectP("("); err != nil {
		return nil, nil, nil, err
	}
	var cols []ColumnDef
	var cons []TableConstraint
	var wm *Watermark
	if p.acceptP(")") {
		return nil, nil, nil, nil
	}
	for {
		switch {
		case p.peek().is("watermark") && p.peekAt(1).is("for"):
			if wm != nil {
				return nil, nil, nil, p.err()
			}
			p.i += 2
			c, err := p.ident()
			if err != nil {
				return nil, nil, nil, err
			}
			if err := p.expect("as"); err != nil {
				return nil, nil, nil, err
			}
			e, err := p.expr(func(t token) bool { return t.isP(",") })
			if err != nil {
				return nil, nil, nil, err
			}
			wm = &Watermark{Column: c, Expr: e}
		case p.peek().is("constraint") || p.peek().is("primary") || p.peek().is("unique") || p.peek().is("foreign") || p.peek().is("check"):
			c, err := p.tableConstraint()
			if err != nil {
				return nil, nil, nil, err
			}
			cons = append(cons, c)
		default:
			c, err := p.columnDef()
			if err != nil {
				return nil, nil, nil, err
			}
			cols = append(cols, c)
		}
		if p.acceptP(")") {
			return cols, cons, wm, nil
		}
		if err := p.expectP(","); err != nil {
			return nil, nil, nil, err
		}
	}
}

func (p *ownParser) tableConstraint() (TableConstraint, *Error) {
	var c TableConstraint
	var err *Error
	if p.accept("constraint") {
		if c.Name, err = p.ident(); err != nil {
			return c, err
		}
	}
	switch {
	case p.accept("primary", "key"):
		c.Kind = ConstraintPrimaryKey
		c.Columns, err = p.identList()
	case p.accept("unique"):
		c.Kind = ConstraintUnique
		c.Columns, err = p.identList()
	case p.accept("foreign", "key"):
		c.Kind = ConstraintForeignKey
		if c.Columns, err = p.identList(); err != nil {
			return c, err
		}
		if err = p.expect("references"); err != nil {
			return c, err
		}
		c.Ref, err = p.references()
	case p.accept("check"):
		c.Kind = ConstraintCheck
		c.Check, err = p.parenExpr()
	default:
		return c, p.err()
	}
	return c, err
}

func (p *ownParser) parenExpr() (*Expr, *Error) {
	if err := p.expectP("("); err != nil {
		return nil, err
	}
	e, err := p.expr(func(token) bool { return false })
	if err != nil {
		return nil, err
	}
	if err := p.expectP(")"); err != nil {
		return nil, err
	}
	return e, nil
}

func (p *ownParser) references() (*ForeignRef, *Error) {
	r := &ForeignRef{}
	var err *Error
	if r.Table, err = p.objectName(); err != nil {
		return nil, err
	}
	if p.peek().isP("(") {
		if r.Columns, err = p.identList(); err != nil {
			return nil, err
		}
	}
	p.accept("match", "simple")
	p.accept("match", "full")
	for p.accept("on") {
		which := &r.OnDelete
		if p.accept("update") {
			which = &r.OnUpdate
		} else if err := p.expect("delete"); err != nil {
			return nil, err
		}
		switch {
		case p.accept("cascade"):
			*which = "cascade"
		case p.accept("restrict"):
			*which = "restrict"
		case p.accept("no", "action"):
			*which = "no action"
		case p.accept("set", "null"):
			*which = "set null"
		case p.accept("set", "default"):
			*which = "set default"
		default:
			return nil, p.err()
		}
	}
	return r, nil
}

// constraintStart reports whether a token ends a DEFAULT expression.
func constraintStart(t token) bool {
	if t.isP(",") {
		return true
	}
	switch t.val {
	case "constraint", "not", "null", "primary", "unique", "check", "references", "default", "generated", "collate":
		return t.kind == tkIdent
	}
	return false
}

func (p *ownParser) columnDef() (ColumnDef, *Error) {
	var c ColumnDef
	var err *Error
	if c.Name, err = p.ident(); err != nil {
		return c, err
	}
	if c.Type, c.TypeName, err = p.typeName(); err != nil {
		return c, err
	}
	c.Serial = isSerialType(c.TypeName)
	if c.Serial {
		c.NotNull = true
	}
	for {
		if p.accept("constraint") {
			if _, err := p.ident(); err != nil {
				return c, err
			}
		}
		switch {
		case p.accept("not", "null"):
			c.NotNull = true
		case p.accept("null"):
		case p.accept("default"):
			if c.Default, err = p.expr(constraintStart); err != nil {
				return c, err
			}
		case p.accept("primary", "key"):
			c.PrimaryKey, c.NotNull = true, true
		case p.accept("unique"):
			c.Unique = true
		case p.accept("check"):
			e, err := p.parenExpr()
			if err != nil {
				return c, err
			}
			c.Checks = append(c.Checks, e)
		case p.accept("references"):
			if c.References, err = p.references(); err != nil {
				return c, err
			}
		case p.accept("generated"):
			if !p.accept("always") {
				p.accept("by", "default")
			}
			if err := p.expect("as"); err != nil {
				return c, err
			}
			if p.accept("identity") {
				c.Serial, c.NotNull = true, true
				break
			}
			if c.Generated, err = p.parenExpr(); err != nil {
				return c, err
			}
			p.accept("stored")
		case p.accept("collate"):
			if _, err := p.objectName(); err != nil {
				return c, err
			}
		default:
			return c, nil
		}
	}
}

func (p *ownParser) createIndex(unique bool) (Stmt, *Error) {
	ix := &CreateIndex{Unique: unique}
	p.accept("concurrently")
	ix.IfNotExists = p.ifNotExists()
	var err *Error
	if !p.peek().is("on") {
		if ix.Name, err = p.ident(); err != nil {
			return nil, err
		}
	}
	if err := p.expect("on"); err != nil {
		return nil, err
	}
	p.accept("only")
	if ix.Table, err = p.objectName(); err != nil {
		return nil, err
	}
	if p.accept("using") {
		if ix.Using, err = p.ident(); err != nil {
			return nil, err
		}
	}
	if err := p.expectP("("); err != nil {
		return nil, err
	}
	for {
		var el IndexElem
		t := p.peek()
		nx := p.peekAt(1)
		if (t.kind == tkIdent || t.kind == tkQIdent) && (nx.isP(",") || nx.isP(")") || nx.is("asc") || nx.is("desc") || nx.is("nulls")) {
			el.Column = t.val
			p.i++
		} else {
			stop := func(t token) bool { return t.isP(",") || t.is("asc") || t.is("desc") || t.is("nulls") }
			if el.Expr, err = p.expr(stop); err != nil {
				return nil, err
			}
		}
		if p.accept("desc") {
			el.Desc = true
		} else {
			p.accept("asc")
		}
		if p.accept("nulls") && !p.accept("first") && !p.accept("last") {
			return nil, p.err()
		}
		ix.Elems = append(ix.Elems, el)
		if p.acceptP(")") {
			break
		}
		if err := p.expectP(","); err != nil {
			return nil, err
		}
	}
	if p.accept("include") {
		if _, err := p.identList(); err != nil {
			return nil, err
		}
	}
	// RisingWave's DISTRIBUTED BY (cols) spreads the index over its compute
	// nodes by cols; eddy keeps an index whole, so it changes nothing.
	if p.accept("distributed", "by") {
		if _, err := p.identList(); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

func (p *ownParser) signedInt() (*int64, *Error) {
	v, err := p.literal()
	if err != nil {
		return nil, err
	}
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil {
		return nil, syntaxErrAt(p.src, p.ts[p.i-1])
	}
	return &n, nil
}

func (p *ownParser) createSequence() (Stmt, *Error) {
	s := &CreateSequence{IfNotExists: p.ifNotExists()}
	var err *Error
	if s.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept("start"):
			p.accept("with")
			s.Start, err = p.signedInt()
		case p.accept("increment"):
			p.accept("by")
			s.Increment, err = p.signedInt()
		case p.accept("minvalue"):
			s.MinValue, err = p.signedInt()
		case p.accept("maxvalue"):
			s.MaxValue, err = p.signedInt()
		case p.accept("no", "minvalue"), p.accept("no", "maxvalue"), p.accept("no", "cycle"):
		case p.accept("cache"):
			s.Cache, err = p.signedInt()
		case p.accept("cycle"):
			s.Cycle = true
		case p.accept("as"):
			_, _, err = p.typeName()
		case p.accept("owned", "by"):
			_, err = p.objectName()
			if err == nil && p.acceptP(".") {
				_, err = p.ident()
			}
		default:
			return s, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

var objectKinds = []struct {
	words []string
	kind  string
}{
	{[]string{"materialized", "view"}, "materialized view"},
	{[]string{"table"}, "table"},
	{[]string{"view"}, "view"},
	{[]string{"source"}, "source"},
	{[]string{"sink"}, "sink"},
	{[]string{"index"}, "index"},
	{[]string{"sequence"}, "sequence"},
}

func (p *ownParser) objectKind() (string, bool) {
	for _, k := range objectKinds {
		if p.accept(k.words...) {
			return k.kind, true
		}
	}
	return "", false
}

func (p *ownParser) drop() (Stmt, *Error) {
	if p.accept("role") || p.accept("user") {
		return p.dropRole()
	}
	if p.accept("function") {
		return p.dropFunction()
	}
	if p.accept("schema") {
		return p.dropSchema()
	}
	kind, ok := p.objectKind()
	if !ok {
		return nil, p.err()
	}
	d := &Drop{Kind: kind}
	if kind == "index" {
		p.accept("concurrently")
	}
	d.IfExists = p.accept("if", "exists")
	for {
		n, err := p.objectName()
		if err != nil {
			return nil, err
		}
		d.Names = append(d.Names, n)
		if !p.acceptP(",") {
			break
		}
	}
	d.Cascade = p.dropBehavior()
	return d, nil
}

// dropBehavior reads an optional CASCADE or RESTRICT (the default): true
// for CASCADE.
func (p *ownParser) dropBehavior() bool {
	if p.accept("cascade") {
		return true
	}
	p.accept("restrict")
	return false
}

func (p *ownParser) comment() (Stmt, *Error) {
	if err := p.expect("on"); err != nil {
		return nil, err
	}
	c := &Comment{}
	var err *Error
	if p.accept("column") {
		c.Kind = "column"
		// table.column or schema.table.column
		a, err := p.ident()
		if err != nil {
			return nil, err
		}
		parts := []string{a}
		for p.acceptP(".") {
			b, err := p.ident()
			if err != nil {
				return nil, err
			}
			parts = append(parts, b)
		}
		switch len(parts) {
		case 2:
			c.Name, c.Column = ObjectName{Name: parts[0]}, parts[1]
		case 3:
			c.Name, c.Column = ObjectName{Schema: parts[0], Name: parts[1]}, parts[2]
		default:
			return nil, p.err()
		}
	} else {
		kind, ok := p.objectKind()
		if !ok {
			return nil, p.err()
		}
		c.Kind = kind
		if c.Name, err = p.objectName(); err != nil {
			return nil, err
		}
	}
	if err := p.expect("is"); err != nil {
		return nil, err
	}
	if p.accept("null") {
		return c, nil
	}
	t := p.peek()
	if t.kind != tkString {
		return nil, p.err()
	}
	p.i++
	v := t.val
	c.Text = &v
	return c, nil
}

func (p *ownParser) explain() (Stmt, *Error) {
	e := &Explain{}
	if p.peek().isP("(") {
		opts, err := p.options()
		if err != nil {
			return nil, err
		}
		for _, o := range opts {
			on := o.Value == "" || o.Value == "true" || o.Value == "on" || o.Value == "1"
			switch o.Key {
			case "analyze", "analyse":
				e.Analyze = on
			case "verbose":
				e.Verbose = on
			}
		}
		e.Options = opts
	} else {
		if p.accept("analyze") || p.accept("analyse") {
			e.Analyze = true
		}
		if p.accept("verbose") {
			e.Verbose = true
		}
	}
	rest := p.ts[p.i:]
	if rest[0].kind == tkEOF {
		return nil, p.err()
	}
	if rest[0].is("explain") {
		return nil, p.err()
	}
	st, err := parseStatement(p.src, rest[:len(rest)-1])
	if err != nil {
		return nil, err
	}
	e.Stmt = st
	p.i = len(p.ts) - 1
	return e, nil
}

func (p *ownParser) subscribe() (*Subscribe, *Error) {
	s := &Subscribe{}
	p.accept("to")
	var err *Error
	if p.peek().isP("(") {
		if s.Query, err = p.parenQuery(); err != nil {
			return nil, err
		}
	} else if s.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	if p.accept("with") {
		if s.With, err = p.options(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (p *ownParser) copy() (Stmt, *Error) {
	c := &Copy{}
	var err *Error
	if p.peek().isP("(") {
		if p.peekAt(1).is("subscribe") {
			sub, closing, err := p.inParens()
			if err != nil {
				return nil, err
			}
			sub.i++ // past SUBSCRIBE
			if c.Subscribe, err = sub.subscribe(); err != nil {
				return nil, err
			}
			if sub.peek().kind != tkEOF {
				return nil, sub.err()
			}
			p.i = closing + 1
		} else if c.Query, err = p.parenQuery(); err != nil {
			return nil, err
		}
	} else {
		if c.Table, err = p.objectName(); err != nil {
			return nil, err
		}
		if p.peek().isP("(") {
			if c.Columns, err = p.identList(); err != nil {
				return nil, err
			}
		}
	}
	switch {
	case p.accept("from"):
		if c.Query != nil || c.Subscribe != nil {
			p.i--
			return nil, p.err()
		}
		c.From = true
		if !p.accept("stdin") {
			return nil, p.err()
		}
	case p.accept("to"):
		if !p.accept("stdout") {
			return nil, p.err()
		}
	default:
		return nil, p.err()
	}
	p.accept("with")
	if p.peek().isP("(") {
		if c.Options, err = p.options(); err != nil {
			return nil, err
		}
	} else {
		// old-style options: CSV, HEADER, DELIMITER 'x', NULL 'x', BINARY
		for p.peek().kind == tkIdent {
			k := p.advance().val
			o := Option{Key: k}
			if k == "csv" || k == "binary" || k == "text" {
				o = Option{Key: "format", Value: k}
			} else if p.peek().kind == tkString {
				o.Value = p.advance().val
			}
			c.Options = append(c.Options, o)
		}
	}
	return c, nil
}

func (p *ownParser) declare() (Stmt, *Error) {
	d := &Declare{}
	var err *Error
	if d.Cursor, err = p.ident(); err != nil {
		return nil, err
	}
	for {
		switch {
		case p.accept("binary"):
			d.Binary = true
		case p.accept("no", "scroll"):
			d.NoScroll = true
		case p.accept("scroll"), p.accept("insensitive"), p.accept("asensitive"):
		default:
			goto cursor
		}
	}
cursor:
	if err := p.expect("cursor"); err != nil {
		return nil, err
	}
	if p.accept("with", "hold") {
		d.Hold = true
	} else {
		p.accept("without", "hold")
	}
	if err := p.expect("for"); err != nil {
		return nil, err
	}
	if p.accept("subscribe") {
		d.Subscribe, err = p.subscribe()
		return d, err
	}
	d.Query, err = p.query(false)
	return d, err
}

func (p *ownParser) fetch(move bool) (Stmt, *Error) {
	f := &Fetch{Count: 1, Move: move}
	switch {
	case p.accept("forward"):
		if p.accept("all") {
			f.All = true
		} else if p.peek().kind == tkNumber {
			n, _ := p.signedInt()
			f.Count = *n
		}
	case p.accept("next"):
	case p.accept("all"):
		f.All = true
	case p.peek().kind == tkNumber:
		n, err := p.signedInt()
		if err != nil {
			return nil, err
		}
		f.Count = *n
	}
	if !p.accept("from") {
		p.accept("in")
	}
	var err *Error
	f.Cursor, err = p.ident()
	return f, err
}

// Role statements (CREATE/ALTER/DROP ROLE|USER).

func (p *ownParser) alter() (Stmt, *Error) {
	if p.accept("role") || p.accept("user") {
		return p.alterRole()
	}
	if p.accept("schema") {
		return p.alterSchema()
	}
	for _, k := range []string{"table", "view", "materialized view", "sequence", "index"} {
		if p.accept(strings.Fields(k)...) {
			return p.alterRelation(k)
		}
	}
	return nil, p.err()
}

func (p *ownParser) createRole(user bool) (Stmt, *Error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	c := &CreateRole{Name: name, User: user}
	if err := p.roleOptions(&c.Options); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *ownParser) alterRole() (Stmt, *Error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	a := &AlterRole{Name: name}
	if p.accept("rename", "to") {
		if a.RenameTo, err = p.ident(); err != nil {
			return nil, err
		}
		return a, nil
	}
	if err := p.roleOptions(&a.Options); err != nil {
		return nil, err
	}
	return a, nil
}

// roleOptions parses [WITH] option ... to the end of the statement. Options
// eddy cannot honour (VALID UNTIL, CONNECTION LIMIT, IN ROLE ...) are syntax
// errors rather than silently ignored, since they restrict access.
func (p *ownParser) roleOptions(o *RoleOptions) *Error {
	p.accept("with")
	flag := func(dst **bool, v bool) { *dst = &v }
	for p.peek().kind != tkEOF {
		switch {
		case p.accept("superuser"):
			flag(&o.Superuser, true)
		case p.accept("nosuperuser"):
			flag(&o.Superuser, false)
		case p.accept("login"):
			flag(&o.Login, true)
		case p.accept("nologin"):
			flag(&o.Login, false)
		case p.accept("createdb"):
			flag(&o.CreateDB, true)
		case p.accept("nocreatedb"):
			flag(&o.CreateDB, false)
		case p.accept("createrole"):
			flag(&o.CreateRole, true)
		case p.accept("nocreaterole"):
			flag(&o.CreateRole, false)
		case p.accept("inherit"), p.accept("noinherit"), p.accept("noreplication"), p.accept("nobypassrls"):
			// What eddy always is: no role membership, replication or row security.
		case p.accept("encrypted", "password"), p.accept("password"):
			o.SetPassword = true
			if p.accept("null") {
				o.Password = nil
				continue
			}
			t := p.peek()
			if t.kind != tkString {
				return p.err()
			}
			p.i++
			v := t.val
			o.Password = &v
		default:
			return p.err()
		}
	}
	return nil
}

func (p *ownParser) dropRole() (Stmt, *Error) {
	d := &DropRole{IfExists: p.accept("if", "exists")}
	for {
		n, err := p.ident()
		if err != nil {
			return nil, err
		}
		d.Names = append(d.Names, n)
		if !p.acceptP(",") {
			return d, nil
		}
	}
}
