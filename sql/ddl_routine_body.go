package sql

import "strings"

var errDuplicateBody = Errorf(CodeInvalidFunctionDefinition, "duplicate function body specified")

// routineBody parses the SQL-standard body of a function, RETURN expr or
// BEGIN ATOMIC stmt; ... END, into the one SELECT that eddy inlines (RETURN
// expr becomes SELECT expr), or "" for an empty block. PostgreSQL runs
// every statement of a BEGIN ATOMIC block and returns the last one's
// result; eddy's functions are single queries, so a block holds one
// statement (empty statements aside).
//
// written is the body as written, laid out as PostgreSQL prints it.
func (p *ownParser) routineBody() (body, written string, err *Error) {
	if p.accept("return") {
		e, err := p.expr(func(token) bool { return false })
		if err != nil {
			return "", "", err
		}
		return "SELECT " + e.Text, "RETURN " + e.Text, nil
	}
	p.i += 2 // BEGIN ATOMIC
	var stmts [][2]int
	start, depth := p.i, 0
	add := func(end int) {
		if end > start {
			stmts = append(stmts, [2]int{start, end})
		}
		start = end + 1
	}
	for done := false; !done; {
		t := p.peek()
		if t.kind == tkEOF {
			return "", "", syntaxErrAt(p.src, t)
		}
		switch {
		case t.is("begin"), t.is("case"):
			depth++
		case t.is("end") && depth > 0:
			depth--
		case t.is("end"):
			add(p.i)
			done = true
		case t.isP(";") && depth == 0:
			add(p.i)
		}
		p.i++
	}
	switch len(stmts) {
	case 0:
		return "", "BEGIN ATOMIC\nEND", nil
	case 1:
	default:
		return "", "", &Error{Code: CodeFeatureNotSupported, Message: "BEGIN ATOMIC bodies of more than one statement are not supported",
			Hint: "Keep the statement whose result the function returns."}
	}
	from, to := stmts[0][0], stmts[0][1]
	if p.ts[from].is("return") {
		sub := &ownParser{src: p.src, ts: append(append([]token(nil), p.ts[from:to]...), token{kind: tkEOF, pos: p.ts[to].pos, end: p.ts[to].pos})}
		if body, written, err = sub.routineBody(); err != nil {
			return "", "", err
		}
		return body, "BEGIN ATOMIC\n " + written + ";\nEND", nil
	}
	body = strings.TrimSpace(p.src[p.ts[from].pos:p.ts[to-1].end])
	return body, "BEGIN ATOMIC\n " + body + ";\nEND", nil
}
