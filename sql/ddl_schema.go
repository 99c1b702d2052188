package sql

// CreateSchema is CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role];
// AUTHORIZATION alone names the schema after the role, as in PostgreSQL.
type CreateSchema struct {
	Name          string
	IfNotExists   bool
	Authorization string // "" when not given
}

// DropSchema is DROP SCHEMA [IF EXISTS] name [, ...] [CASCADE | RESTRICT].
type DropSchema struct {
	Names    []string
	IfExists bool
	Cascade  bool
}

func (*CreateSchema) stmt() {}
func (*DropSchema) stmt()   {}

func (p *ownParser) createSchema() (Stmt, *Error) {
	c := &CreateSchema{IfNotExists: p.ifNotExists()}
	if !p.peek().is("authorization") {
		n, err := p.ident()
		if err != nil {
			return nil, err
		}
		c.Name = n
	}
	if p.accept("authorization") {
		r, err := p.ident()
		if err != nil {
			return nil, err
		}
		c.Authorization = r
		if c.Name == "" {
			c.Name = r
		}
	}
	if c.Name == "" {
		return nil, p.err()
	}
	return c, nil
}

func (p *ownParser) dropSchema() (Stmt, *Error) {
	d := &DropSchema{IfExists: p.accept("if", "exists")}
	for {
		n, err := p.ident()
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

// tempView parses CREATE [OR REPLACE] [LOCAL|GLOBAL] TEMP[ORARY] VIEW: ok
// is false, nothing consumed, when the statement is not one.
func (p *ownParser) tempView(orReplace bool) (func() (Stmt, *Error), bool) {
	i := 0
	if p.peekAt(0).is("local") || p.peekAt(0).is("global") {
		i = 1
	}
	if !(p.peekAt(i).is("temp") || p.peekAt(i).is("temporary")) || !p.peekAt(i+1).is("view") {
		return nil, false
	}
	p.i += i + 2
	return func() (Stmt, *Error) {
		st, err := p.createView(orReplace, false)
		if err != nil {
			return nil, err
		}
		st.(*CreateView).Temporary = true
		return st, nil
	}, true
}

// createTempSequence parses the rest of CREATE TEMP SEQUENCE.
func (p *ownParser) createTempSequence() (Stmt, *Error) {
	st, err := p.createSequence()
	if err != nil {
		return nil, err
	}
	st.(*CreateSequence).Temporary = true
	return st, nil
}

// AlterSchema is ALTER SCHEMA name RENAME TO new | OWNER TO role.
type AlterSchema struct {
	Name     string
	RenameTo string
	OwnerTo  string
}

func (*AlterSchema) stmt() {}

func (p *ownParser) alterSchema() (Stmt, *Error) {
	name, err := p.ident()
	if err != nil {
		return nil, err
	}
	a := &AlterSchema{Name: name}
	switch {
	case p.accept("rename", "to"):
		a.RenameTo, err = p.ident()
	case p.accept("owner", "to"):
		a.OwnerTo, err = p.ident()
	default:
		return nil, p.err()
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}
