package sql

func parseOwn(src string, ts []token) (Stmt, *Error) {
	return nil, syntaxErrAt(src, ts[0])
}
