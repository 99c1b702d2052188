package sql

import "github.com/pingcap/tidb/pkg/parser/ast"

// Stmt is one of eddy's own statements (a closed set: the types below).
type Stmt interface{ stmt() }

// ObjectName is a possibly schema-qualified name, folded as PostgreSQL folds.
type ObjectName struct {
	Schema string // "" if unqualified
	Name   string
}

func (n ObjectName) String() string {
	if n.Schema == "" {
		return n.Name
	}
	return n.Schema + "." + n.Name
}

// Query is an embedded query with its original text (views keep their SQL).
type Query struct {
	Text string
	AST  ast.StmtNode // *ast.SelectStmt or *ast.SetOprStmt
}

// Expr is an embedded expression with its original text.
type Expr struct {
	Text string
	AST  ast.ExprNode
}

// Option is one "key = value" of a WITH (...) list; keys are lowercased,
// values are the literal's text ("" for a bare key such as HEADER).
type Option struct {
	Key   string
	Value string
}

type ColumnDef struct {
	Name       string
	Type       Type
	TypeName   string // as written, normalized (e.g. "character varying(10)")
	Serial     bool
	NotNull    bool
	PrimaryKey bool
	Unique     bool
	Default    *Expr
	Checks     []*Expr
	References *ForeignRef
	Generated  *Expr // GENERATED ALWAYS AS (expr) STORED
}

type ForeignRef struct {
	Table    ObjectName
	Columns  []string
	OnDelete string // "cascade", "set null", ... ("" if not given)
	OnUpdate string
}

type ConstraintKind uint8

const (
	ConstraintPrimaryKey ConstraintKind = iota + 1
	ConstraintUnique
	ConstraintForeignKey
	ConstraintCheck
)

type TableConstraint struct {
	Name    string
	Kind    ConstraintKind
	Columns []string
	Check   *Expr
	Ref     *ForeignRef
}

// Watermark is WATERMARK FOR col AS expr in CREATE SOURCE or CREATE TABLE.
type Watermark struct {
	Column string
	Expr   *Expr
}

type CreateTable struct {
	Name        ObjectName
	IfNotExists bool
	Temporary   bool
	// OnCommit is a temporary table's ON COMMIT action: "preserve"
	// (PRESERVE ROWS), "delete" (DELETE ROWS), "drop", or "" when the
	// clause is absent.
	OnCommit    string
	Columns     []ColumnDef
	Constraints []TableConstraint
	Watermark   *Watermark
	// AppendOnly is APPEND ONLY after the column list: the table takes
	// INSERT only (RisingWave's clause).
	AppendOnly bool
	// OnConflict is RisingWave's table clause ON CONFLICT, what an INSERT
	// whose primary key is taken does: "ignore" (IGNORE, DO NOTHING),
	// "overwrite" (OVERWRITE, DO UPDATE FULL), "update_if_not_null" (DO
	// UPDATE IF NOT NULL), or "" when the clause is absent.
	OnConflict string
	With       []Option
	As         *Query // CREATE TABLE name AS query
}

type CreateSource struct {
	Name        ObjectName
	IfNotExists bool
	Columns     []ColumnDef
	Constraints []TableConstraint
	Watermark   *Watermark
	With        []Option
}

type CreateSink struct {
	Name        ObjectName
	IfNotExists bool
	From        ObjectName // set unless Query is
	Query       *Query
	With        []Option
}

type CreateView struct {
	Name         ObjectName
	OrReplace    bool
	IfNotExists  bool
	Materialized bool
	Temporary    bool // CREATE TEMP VIEW
	Columns      []string
	Query        *Query
	With         []Option
	// EmitOnWindowClose is a trailing EMIT ON WINDOW CLOSE (materialized
	// views only): the view shows the rows of closed windows only.
	EmitOnWindowClose bool
}

type IndexElem struct {
	Column string // set for a plain column
	Expr   *Expr  // set for an expression
	Desc   bool
}

type CreateIndex struct {
	Name        string // "" if not given
	Unique      bool
	IfNotExists bool
	Table       ObjectName
	Using       string
	Elems       []IndexElem
}

type CreateSequence struct {
	Name        ObjectName
	IfNotExists bool
	Temporary   bool
	Start       *int64
	Increment   *int64
	MinValue    *int64
	MaxValue    *int64
	Cache       *int64
	Cycle       bool
}

// Comment is COMMENT ON kind name IS 'text' | NULL.
type Comment struct {
	Kind   string // "table", "column", "view", "materialized view", "source", "sink", "index", "sequence"
	Name   ObjectName
	Column string // for kind "column": Name is the table
	Text   *string
}

// Drop is DROP kind [IF EXISTS] names [CASCADE|RESTRICT].
type Drop struct {
	Kind     string // "table", "view", "materialized view", "source", "sink", "index", "sequence"
	IfExists bool
	Names    []ObjectName
	Cascade  bool
}

// Set is SET [SESSION|LOCAL] name TO values | DEFAULT (SET TIME ZONE sets "timezone").
type Set struct {
	Name    string
	Local   bool
	Values  []string // literal texts; identifiers lowercased
	Default bool
}

// SetTransaction is SET [SESSION CHARACTERISTICS AS] TRANSACTION modes.
type SetTransaction struct {
	Session   bool
	Isolation string // "serializable", "repeatable read", ... ("" if not given)
	ReadOnly  *bool
}

type Reset struct {
	Name string
	All  bool
}

type Show struct {
	Name string // lowercased; "all" for SHOW ALL
}

// ShowObjects is SHOW SOURCES | SINKS | TABLES | VIEWS | MATERIALIZED VIEWS ...
type ShowObjects struct {
	Kind string // "sources", "sinks", "tables", "views", "materialized views", "indexes", "sequences"
}

type Begin struct {
	Isolation string
	ReadOnly  *bool
}

type Commit struct{}

type Rollback struct{}

type Savepoint struct{ Name string }

type ReleaseSavepoint struct{ Name string }

type RollbackToSavepoint struct{ Name string }

// Explain wraps another statement.
type Explain struct {
	Analyze bool
	Verbose bool
	Options []Option
	Stmt    Statement
}

// Subscribe is SUBSCRIBE [TO] name | (query) [WITH (...)].
type Subscribe struct {
	Name  ObjectName // set unless Query is
	Query *Query
	With  []Option
}

// Copy is COPY t [(cols)] FROM STDIN | COPY t|(query)|(SUBSCRIBE ...) TO STDOUT.
type Copy struct {
	Table     ObjectName
	Columns   []string
	Query     *Query
	Subscribe *Subscribe
	From      bool // FROM STDIN; otherwise TO STDOUT
	Options   []Option
}

type Declare struct {
	Cursor    string
	Binary    bool
	NoScroll  bool
	Hold      bool
	Query     *Query
	Subscribe *Subscribe
}

// Fetch is FETCH/MOVE [FORWARD] [n|ALL|NEXT] [FROM|IN] cursor.
type Fetch struct {
	Cursor string
	Count  int64 // 1 unless given
	All    bool
	Move   bool
}

type Close struct {
	Cursor string
	All    bool
}

type Discard struct{ What string } // "all", "plans", "sequences", "temp"

type Deallocate struct {
	Name string
	All  bool
}

type Truncate struct{ Tables []ObjectName }

type RefreshMaterializedView struct{ Name ObjectName }

// Flush is RisingWave's FLUSH, which waits until earlier DML shows in
// materialized views.
type Flush struct{}

// Maintenance is ANALYZE / VACUUM / CHECKPOINT: accepted,
// nothing to do.
type Maintenance struct{ Kind string }

func (*CreateTable) stmt()             {}
func (*CreateSource) stmt()            {}
func (*CreateSink) stmt()              {}
func (*CreateView) stmt()              {}
func (*CreateIndex) stmt()             {}
func (*CreateSequence) stmt()          {}
func (*Comment) stmt()                 {}
func (*Drop) stmt()                    {}
func (*Set) stmt()                     {}
func (*SetTransaction) stmt()          {}
func (*Reset) stmt()                   {}
func (*Show) stmt()                    {}
func (*ShowObjects) stmt()             {}
func (*Begin) stmt()                   {}
func (*Commit) stmt()                  {}
func (*Rollback) stmt()                {}
func (*Savepoint) stmt()               {}
func (*ReleaseSavepoint) stmt()        {}
func (*RollbackToSavepoint) stmt()     {}
func (*Explain) stmt()                 {}
func (*Subscribe) stmt()               {}
func (*Copy) stmt()                    {}
func (*Declare) stmt()                 {}
func (*Fetch) stmt()                   {}
func (*Close) stmt()                   {}
func (*Discard) stmt()                 {}
func (*Deallocate) stmt()              {}
func (*Truncate) stmt()                {}
func (*RefreshMaterializedView) stmt() {}
func (*Flush) stmt()                   {}
func (*Maintenance) stmt()             {}

// Role statements: CREATE ROLE|USER, ALTER ROLE|USER, DROP ROLE|USER.

// RoleOptions are the options of CREATE ROLE and ALTER ROLE; nil means not
// given, so that ALTER changes only what it names.
type RoleOptions struct {
	Superuser  *bool
	Login      *bool
	CreateDB   *bool
	CreateRole *bool
	// SetPassword is true when PASSWORD was given; Password is then nil for
	// PASSWORD NULL.
	SetPassword bool
	Password    *string
}

// CreateRole is CREATE ROLE|USER name [[WITH] options]. CREATE USER differs
// only in that LOGIN is the default.
type CreateRole struct {
	Name    string
	User    bool
	Options RoleOptions
}

// AlterRole is ALTER ROLE|USER name [WITH] options | RENAME TO new.
type AlterRole struct {
	Name     string
	Options  RoleOptions
	RenameTo string // set for RENAME TO
}

// DropRole is DROP ROLE|USER [IF EXISTS] names.
type DropRole struct {
	IfExists bool
	Names    []string
}

func (*CreateRole) stmt() {}
func (*AlterRole) stmt()  {}
func (*DropRole) stmt()   {}

// Privilege statements: GRANT and REVOKE of privileges on objects.

// Grant is GRANT privileges ON objects TO grantees [WITH GRANT OPTION], or
// REVOKE [GRANT OPTION FOR] privileges ON objects FROM grantees.
type Grant struct {
	Revoke bool
	// GrantOption is WITH GRANT OPTION for GRANT, GRANT OPTION FOR for REVOKE.
	GrantOption bool
	// Privileges are lower-case keywords; nil means ALL [PRIVILEGES].
	Privileges []string
	// Kind is "table", "sequence", "schema" or "database".
	Kind    string
	Objects []ObjectName
	// AllInSchema is set for ON ALL TABLES|SEQUENCES IN SCHEMA s; Objects
	// then names the schemas.
	AllInSchema bool
	Grantees    []Grantee
	Cascade     bool
}

// Grantee is a role name or PUBLIC.
type Grantee struct {
	Name   string
	Public bool
}

func (*Grant) stmt() {}

// FuncArg is one argument of CREATE FUNCTION (or DROP FUNCTION's signature).
type FuncArg struct {
	Name string // "" when unnamed
	Type Type
}

// CreateFunction is CREATE [OR REPLACE] FUNCTION name(args) RETURNS type
// LANGUAGE sql [IMMUTABLE|STABLE|VOLATILE] [STRICT] AS 'body' | RETURN expr.
type CreateFunction struct {
	Name      ObjectName
	OrReplace bool
	Args      []FuncArg
	Returns   Type
	// SetOf is RETURNS SETOF type or RETURNS TABLE (...), whose columns are
	// Table.
	SetOf bool
	Table []FuncArg
	// Language is lower-cased ("sql" unless given otherwise).
	Language string
	// Volatility is pg_proc.provolatile: 'i', 's' or 'v' (the default).
	Volatility byte
	Strict     bool
	// Body is the function's SQL: the AS string, or "SELECT expr" for the
	// RETURN expr form (Src is then "").
	Body string
	Src  string
	// SQLBody is the RETURN or BEGIN ATOMIC body as PostgreSQL lays it out
	// (BEGIN ATOMIC, each statement on its own line, END), with the
	// statements as written.
	SQLBody string
}

// FuncRef names a function in DROP FUNCTION: with Args when HasArgs.
type FuncRef struct {
	Name    ObjectName
	Args    []Type
	HasArgs bool
}

// DropFunction is DROP FUNCTION [IF EXISTS] name[(types)], ... [CASCADE|RESTRICT].
type DropFunction struct {
	IfExists bool
	Funcs    []FuncRef
	Cascade  bool
}

func (*CreateFunction) stmt() {}
func (*DropFunction) stmt()   {}
