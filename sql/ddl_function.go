package sql

import "strings"

// createFunction parses CREATE [OR REPLACE] FUNCTION after its keywords.
func (p *ownParser) createFunction(orReplace bool) (Stmt, *Error) {
	f := &CreateFunction{OrReplace: orReplace, Language: "", Volatility: 'v'}
	var err *Error
	if f.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	if f.Args, err = p.funcArgs(true); err != nil {
		return nil, err
	}
	haveBody := false
	for p.peek().kind != tkEOF {
		switch {
		case p.accept("returns"):
			switch {
			case p.accept("setof"):
				f.SetOf = true
				if f.Returns, _, err = p.typeName(); err != nil {
					return nil, err
				}
			case p.accept("table"):
				f.SetOf = true
				if f.Table, err = p.funcArgs(false); err != nil {
					return nil, err
				}
				f.Returns = Record
			default:
				if f.Returns, _, err = p.typeName(); err != nil {
					return nil, err
				}
			}
		case p.accept("language"):
			t := p.advance()
			if t.kind != tkIdent && t.kind != tkQIdent && t.kind != tkString {
				p.i--
				return nil, p.err()
			}
			f.Language = strings.ToLower(t.val)
		case p.accept("immutable"):
			f.Volatility = 'i'
		case p.accept("stable"):
			f.Volatility = 's'
		case p.accept("volatile"):
			f.Volatility = 'v'
		case p.accept("strict"), p.accept("returns", "null", "on", "null", "input"):
			f.Strict = true
		case p.accept("called", "on", "null", "input"):
			f.Strict = false
		case p.accept("leakproof"), p.accept("not", "leakproof"), p.accept("security", "invoker"),
			p.accept("external", "security", "invoker"):
		case p.accept("parallel"):
			if !p.accept("safe") && !p.accept("unsafe") && !p.accept("restricted") {
				return nil, p.err()
			}
		case p.accept("cost"), p.accept("rows"):
			if _, err := p.literal(); err != nil {
				return nil, err
			}
		case p.peek().is("as"):
			if haveBody {
				return nil, errDuplicateBody
			}
			p.i++
			t := p.advance()
			if t.kind != tkString || p.peek().isP(",") {
				p.i--
				return nil, p.err()
			}
			f.Body, f.Src, haveBody = t.val, t.val, true
		case p.peek().is("return"), p.peek().is("begin") && p.peekAt(1).is("atomic"):
			// The SQL-standard bodies end the statement.
			if haveBody {
				return nil, errDuplicateBody
			}
			if f.Body, f.SQLBody, err = p.routineBody(); err != nil {
				return nil, err
			}
			if f.Body == "" && f.Returns.OID != 0 {
				return nil, &Error{Code: CodeInvalidFunctionDefinition, Message: "return type mismatch in function declared to return " + FormatType(f.Returns),
					Detail: "Function's final statement must be SELECT or INSERT/UPDATE/DELETE RETURNING."}
			}
			haveBody = true
			if p.peek().kind != tkEOF {
				return nil, p.err()
			}
		default:
			return nil, p.err()
		}
	}
	if f.Language == "" {
		if !haveBody || f.Src != "" {
			return nil, Errorf(CodeInvalidFunctionDefinition, "no language specified")
		}
		f.Language = "sql"
	}
	if haveBody && f.Src == "" && f.Language != "sql" {
		return nil, Errorf(CodeInvalidFunctionDefinition, "inline SQL function body only valid for language SQL")
	}
	if !haveBody {
		return nil, Errorf(CodeInvalidFunctionDefinition, "no function body specified")
	}
	if f.Returns.OID == 0 {
		return nil, Errorf(CodeInvalidFunctionDefinition, "function result type must be specified")
	}
	return f, nil
}

// funcArgs parses ( [[IN] [name] type [DEFAULT expr]], ... ). With named
// false (RETURNS TABLE) every column needs a name.
func (p *ownParser) funcArgs(sig bool) ([]FuncArg, *Error) {
	if err := p.expectP("("); err != nil {
		return nil, err
	}
	var out []FuncArg
	if p.acceptP(")") {
		return out, nil
	}
	for {
		if p.peek().is("out") || p.peek().is("inout") || p.peek().is("variadic") {
			return nil, Errorf(CodeFeatureNotSupported, "%s arguments are not supported", strings.ToUpper(p.peek().val))
		}
		if sig {
			p.accept("in")
		}
		var a FuncArg
		// A name comes first when a type follows it (two words before ',' or ')').
		nt := p.peekAt(1)
		if (p.peek().kind == tkIdent || p.peek().kind == tkQIdent) && !nt.isP(",") && !nt.isP(")") && !nt.isP("(") && !nt.isP("[") && !nt.isP(".") && !isTypeWord(p.peek().val, nt.val) {
			a.Name = p.advance().val
		}
		t, _, err := p.typeName()
		if err != nil {
			return nil, err
		}
		a.Type = t
		if p.peek().is("default") || p.peek().isOp("=") {
			return nil, Errorf(CodeFeatureNotSupported, "argument defaults are not supported")
		}
		out = append(out, a)
		if p.acceptP(")") {
			return out, nil
		}
		if err := p.expectP(","); err != nil {
			return nil, err
		}
	}
}

// isTypeWord reports whether a and b begin a multi-word type name
// (double precision, character varying, timestamp with time zone, ...).
func isTypeWord(a, b string) bool {
	switch a {
	case "double":
		return b == "precision"
	case "character", "char", "national", "bit":
		return b == "varying" || b == "character"
	case "timestamp", "time":
		return b == "with" || b == "without"
	case "interval":
		return true
	}
	return false
}

// dropFunction parses DROP FUNCTION after its keywords.
func (p *ownParser) dropFunction() (Stmt, *Error) {
	d := &DropFunction{IfExists: p.accept("if", "exists")}
	for {
		var r FuncRef
		var err *Error
		if r.Name, err = p.objectName(); err != nil {
			return nil, err
		}
		if p.peek().isP("(") {
			args, err := p.funcArgs(true)
			if err != nil {
				return nil, err
			}
			r.HasArgs = true
			for _, a := range args {
				r.Args = append(r.Args, a.Type)
			}
		}
		d.Funcs = append(d.Funcs, r)
		if !p.acceptP(",") {
			break
		}
	}
	d.Cascade = p.dropBehavior()
	return d, nil
}
