package sql

import "strings"

// AlterTable is ALTER TABLE [IF EXISTS] [ONLY] name action [, ...], and
// ALTER VIEW|MATERIALIZED VIEW|SEQUENCE|INDEX name RENAME TO / OWNER TO /
// SET SCHEMA (Kind says which word followed ALTER).
type AlterTable struct {
	Kind     string // "table", "view", "materialized view", "sequence", "index"
	Name     ObjectName
	IfExists bool
	Actions  []AlterAction
}

func (*AlterTable) stmt() {}

// AlterActionKind is what one action of an ALTER TABLE does.
type AlterActionKind uint8

const (
	AlterAddColumn AlterActionKind = iota + 1
	AlterDropColumn
	AlterRenameColumn
	AlterRenameTable
	AlterSetDefault
	AlterDropDefault
	AlterSetNotNull
	AlterDropNotNull
	AlterColumnType
	AlterAddConstraint
	AlterDropConstraint
	AlterOwner
	AlterSetSchema
)

// AlterAction is one action of an ALTER TABLE.
type AlterAction struct {
	Kind AlterActionKind
	// Column is the column acted on (ADD: the new column's definition).
	Column  string
	Def     ColumnDef
	NewName string // RENAME ... TO, OWNER TO, SET SCHEMA
	// IfExists / IfNotExists of DROP COLUMN|CONSTRAINT, ADD COLUMN.
	IfExists    bool
	IfNotExists bool
	Cascade     bool
	Default     *Expr // SET DEFAULT
	Type        Type  // TYPE
	TypeName    string
	Using       *Expr // TYPE ... USING
	Constraint  TableConstraint
}

// alterRelation parses what follows ALTER TABLE|VIEW|... .
func (p *ownParser) alterRelation(kind string) (Stmt, *Error) {
	a := &AlterTable{Kind: kind}
	a.IfExists = p.accept("if", "exists")
	if kind == "table" {
		p.accept("only")
	}
	var err *Error
	if a.Name, err = p.objectName(); err != nil {
		return nil, err
	}
	p.acceptP("*")
	for {
		act, err := p.alterAction(kind)
		if err != nil {
			return nil, err
		}
		a.Actions = append(a.Actions, act)
		if !p.acceptP(",") {
			break
		}
	}
	for _, act := range a.Actions {
		if len(a.Actions) > 1 && (act.Kind == AlterRenameColumn || act.Kind == AlterRenameTable || act.Kind == AlterSetSchema) {
			// PostgreSQL's grammar takes RENAME and SET SCHEMA alone.
			return nil, p.err()
		}
	}
	return a, nil
}

func (p *ownParser) alterAction(kind string) (AlterAction, *Error) {
	var a AlterAction
	var err *Error
	switch {
	case p.accept("rename", "to"):
		a.Kind = AlterRenameTable
		a.NewName, err = p.ident()
		return a, err
	case p.accept("owner", "to"):
		a.Kind = AlterOwner
		a.NewName, err = p.ident()
		return a, err
	case p.accept("set", "schema"):
		a.Kind = AlterSetSchema
		a.NewName, err = p.ident()
		return a, err
	}
	if kind != "table" {
		if kind == "view" || kind == "materialized view" {
			if p.accept("rename") {
				p.accept("column")
				a.Kind = AlterRenameColumn
				if a.Column, err = p.ident(); err != nil {
					return a, err
				}
				if err = p.expect("to"); err != nil {
					return a, err
				}
				a.NewName, err = p.ident()
				return a, err
			}
		}
		return a, p.err()
	}
	switch {
	case p.accept("rename"):
		if p.accept("constraint") {
			return a, p.err()
		}
		p.accept("column")
		a.Kind = AlterRenameColumn
		if a.Column, err = p.ident(); err != nil {
			return a, err
		}
		if err = p.expect("to"); err != nil {
			return a, err
		}
		a.NewName, err = p.ident()
		return a, err
	case p.accept("add"):
		switch p.peek().val {
		case "constraint", "primary", "unique", "check", "foreign":
			if p.peek().kind == tkIdent {
				a.Kind = AlterAddConstraint
				a.Constraint, err = p.tableConstraint()
				return a, err
			}
		}
		p.accept("column")
		a.Kind = AlterAddColumn
		a.IfNotExists = p.ifNotExists()
		a.Def, err = p.columnDef()
		a.Column = a.Def.Name
		return a, err
	case p.accept("drop"):
		if p.accept("constraint") {
			a.Kind = AlterDropConstraint
		} else {
			p.accept("column")
			a.Kind = AlterDropColumn
		}
		a.IfExists = p.accept("if", "exists")
		if a.Column, err = p.ident(); err != nil {
			return a, err
		}
		a.Cascade = p.dropBehavior()
		return a, nil
	case p.accept("alter"):
		p.accept("column")
		if a.Column, err = p.ident(); err != nil {
			return a, err
		}
		switch {
		case p.accept("set", "default"):
			a.Kind = AlterSetDefault
			a.Default, err = p.expr(func(t token) bool { return t.isP(",") })
		case p.accept("drop", "default"):
			a.Kind = AlterDropDefault
		case p.accept("set", "not", "null"):
			a.Kind = AlterSetNotNull
		case p.accept("drop", "not", "null"):
			a.Kind = AlterDropNotNull
		case p.accept("set", "data", "type"), p.accept("type"):
			a.Kind = AlterColumnType
			if a.Type, a.TypeName, err = p.typeName(); err != nil {
				return a, err
			}
			if p.accept("collate") {
				if _, err = p.objectName(); err != nil {
					return a, err
				}
			}
			if p.accept("using") {
				a.Using, err = p.expr(func(t token) bool { return t.isP(",") })
			}
		default:
			return a, p.err()
		}
		return a, err
	}
	return a, p.err()
}

// RenameColumnRefs rewrites the stored expression text (a CHECK
// constraint's) for a column renamed from old to name: each identifier
// spelling old, but for function names, becomes name, quoted.
func RenameColumnRefs(text, old, name string) (string, error) {
	toks, err := lexAll(text, 0, len(text))
	if err != nil {
		return "", err
	}
	quoted := quoteIdent(name)
	if plainIdent(name) {
		quoted = name
	}
	var b strings.Builder
	last := 0
	for i, t := range toks {
		if (t.kind != tkIdent && t.kind != tkQIdent) || t.val != old {
			continue
		}
		if i+1 < len(toks) && toks[i+1].isP("(") {
			continue
		}
		b.WriteString(text[last:t.pos])
		b.WriteString(quoted)
		last = t.end
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// plainIdent reports whether name reads back as itself unquoted: lower
// case letters, digits and underscores, and no keyword (which would not
// parse as a column name).
func plainIdent(name string) bool {
	for i, c := range name {
		if !(c == '_' || c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '$')) {
			return false
		}
	}
	_, err := Parse("SELECT " + name + " FROM t")
	return name != "" && err == nil && name != "user" && !strings.HasPrefix(name, "current_")
}
