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
	if p.accept("cascade") {
		d.Cascade = true
	} else {
		p.accept("restrict")
	}
	return d, nil
}
