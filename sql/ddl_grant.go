package sql

// GRANT and REVOKE of privileges on tables, sequences, schemas and the
// database.

// grant parses what follows GRANT or REVOKE.
func (p *ownParser) grant(revoke bool) (Stmt, *Error) {
	g := &Grant{Revoke: revoke}
	if revoke && p.accept("grant", "option", "for") {
		g.GrantOption = true
	}
	if p.accept("all") {
		p.accept("privileges")
	} else {
		for {
			t := p.peek()
			if t.kind != tkIdent {
				return nil, p.err()
			}
			p.i++
			g.Privileges = append(g.Privileges, t.val)
			if p.peek().isP("(") {
				return nil, &Error{Code: CodeFeatureNotSupported, Message: "column privileges are not supported"}
			}
			if !p.acceptP(",") {
				break
			}
		}
	}
	if !p.accept("on") {
		if p.peek().is("to") || p.peek().is("from") {
			// GRANT role TO role: eddy has no role membership.
			return nil, &Error{Code: CodeFeatureNotSupported, Message: "granting role membership is not supported"}
		}
		return nil, p.err()
	}
	if err := p.grantTarget(g); err != nil {
		return nil, err
	}
	to := "to"
	if revoke {
		to = "from"
	}
	if err := p.expect(to); err != nil {
		return nil, err
	}
	for {
		p.accept("group") // GRANT ... TO GROUP r is an old spelling of TO r
		t := p.peek()
		switch {
		case t.is("public"):
			p.i++
			g.Grantees = append(g.Grantees, Grantee{Public: true})
		default:
			n, err := p.ident()
			if err != nil {
				return nil, err
			}
			g.Grantees = append(g.Grantees, Grantee{Name: n})
		}
		if !p.acceptP(",") {
			break
		}
	}
	if !revoke && p.accept("with", "grant", "option") {
		g.GrantOption = true
	}
	if p.accept("granted", "by") {
		// PostgreSQL accepts only the current user here; so does eddy, by
		// ignoring it.
		if _, err := p.ident(); err != nil {
			return nil, err
		}
	}
	if revoke {
		g.Cascade = p.dropBehavior()
	}
	return g, nil
}

// grantTarget parses the object list after ON.
func (p *ownParser) grantTarget(g *Grant) *Error {
	g.Kind = "table"
	switch {
	case p.accept("all", "tables", "in", "schema"):
		g.AllInSchema = true
	case p.accept("all", "sequences", "in", "schema"):
		g.Kind, g.AllInSchema = "sequence", true
	case p.accept("table"):
	case p.accept("sequence"):
		g.Kind = "sequence"
	case p.accept("schema"):
		g.Kind = "schema"
	case p.accept("database"):
		g.Kind = "database"
	default:
		t := p.peek()
		for _, w := range []string{"function", "procedure", "routine", "type", "domain", "language",
			"foreign", "large", "tablespace", "parameter", "all"} {
			if t.is(w) {
				return &Error{Code: CodeFeatureNotSupported, Message: "GRANT ON " + upper(w) + " is not supported"}
			}
		}
	}
	for {
		n, err := p.objectName()
		if err != nil {
			return err
		}
		g.Objects = append(g.Objects, n)
		if !p.acceptP(",") {
			return nil
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
