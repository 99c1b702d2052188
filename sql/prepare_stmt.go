package sql

import "github.com/pingcap/tidb/pkg/parser/ast"

// Prepare is PREPARE name [(type, ...)] AS statement: a query or DML
// statement planned now and run later by EXECUTE.
type Prepare struct {
	Name       string
	ParamTypes []Type // declared types of $1..$n; more may be inferred
	Stmt       Statement
	// Query is the whole query string the statement came in, which
	// PostgreSQL shows as pg_prepared_statements.statement.
	Query string
}

// Execute is EXECUTE name [(arg, ...)].
type Execute struct {
	Name string
	// Args is SELECT arg, ...: the arguments bound as one row. Nil
	// without arguments.
	Args *ast.SelectStmt
	// ArgPos are the arguments' byte offsets in Query, the query string,
	// for errors that point at one.
	ArgPos []int
	Query  string
}

func (*Prepare) stmt() {}
func (*Execute) stmt() {}

// prepareStmt parses PREPARE after its keyword.
func (p *ownParser) prepareStmt() (Stmt, *Error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	pr := &Prepare{Name: name, Query: p.src}
	if p.acceptP("(") {
		for {
			t, _, err := p.typeName()
			if err != nil {
				return nil, err
			}
			pr.ParamTypes = append(pr.ParamTypes, t)
			if !p.acceptP(",") {
				break
			}
		}
		if err := p.expectP(")"); err != nil {
			return nil, err
		}
	}
	if err := p.expect("as"); err != nil {
		return nil, err
	}
	rest := p.ts[p.i:]
	if rest[0].kind == tkEOF {
		return nil, p.err()
	}
	// PostgreSQL's grammar takes SELECT, VALUES, TABLE, WITH, INSERT,
	// UPDATE, DELETE (and MERGE) here; eddy's own statements are not
	// among them.
	if isOwnStatement(rest) {
		return nil, p.err()
	}
	st, err := parseStatement(p.src, rest[:len(rest)-1])
	if err != nil {
		return nil, err
	}
	switch st.AST.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
	default:
		return nil, p.err()
	}
	pr.Stmt = st
	p.i = len(p.ts) - 1
	return pr, nil
}

// executeStmt parses EXECUTE after its keyword.
func (p *ownParser) executeStmt() (Stmt, *Error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	ex := &Execute{Name: name, Query: p.src}
	if !p.peek().isP("(") {
		return ex, nil
	}
	open := p.i
	p.i++
	end, _ := p.span(func(token) bool { return false })
	if end == p.i || !p.ts[end].isP(")") {
		return nil, syntaxErrAt(p.src, p.ts[end])
	}
	// The arguments parse as the select list of one row, which is what
	// EXECUTE evaluates them as.
	toks := []token{{kind: tkIdent, val: "select", pos: p.ts[open].pos, end: p.ts[open].pos}}
	toks = append(toks, p.ts[p.i:end]...)
	toks = append(toks, token{kind: tkEOF, pos: p.ts[end].pos, end: p.ts[end].pos})
	node, _, _, _, perr := parseTiDB(p.src, toks)
	if perr != nil {
		return nil, perr
	}
	sel, ok := node.(*ast.SelectStmt)
	if !ok || sel.Fields == nil || sel.From != nil || sel.Where != nil || sel.GroupBy != nil || sel.Having != nil ||
		sel.OrderBy != nil || sel.Limit != nil {
		return nil, syntaxErrAt(p.src, p.ts[open+1])
	}
	depth := 0
	ex.ArgPos = append(ex.ArgPos, p.ts[p.i].pos)
	for j := p.i; j < end; j++ {
		t := p.ts[j]
		switch {
		case t.isP("(") || t.isP("["):
			depth++
		case t.isP(")") || t.isP("]"):
			depth--
		case depth == 0 && t.isP(",") && j+1 < end:
			ex.ArgPos = append(ex.ArgPos, p.ts[j+1].pos)
		}
	}
	ex.Args = sel
	p.i = end + 1
	return ex, nil
}
