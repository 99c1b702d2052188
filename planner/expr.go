package planner

import (
	"github.com/eddysql/eddy/sql"
	"github.com/eddysql/eddy/sql/builtin"
)

// Expr is a bound, typed scalar expression. Exec compiles it once per plan.
type Expr interface {
	Type() sql.Type
}

// ColRef reads column Idx of the current input row.
type ColRef struct {
	Idx int
	Typ sql.Type
}

// OuterRef reads column Idx of an enclosing query's current row: Level 1 is
// the query that immediately contains the subquery.
type OuterRef struct {
	Level int
	Idx   int
	Typ   sql.Type
}

// Const is a literal.
type Const struct {
	Val sql.Value
	Typ sql.Type
}

// Param is $n (Idx = n-1).
type Param struct {
	Idx int
	Typ sql.Type
}

// Cast converts Input to Typ.
type Cast struct {
	Input    Expr
	Typ      sql.Type
	Explicit bool
}

// Call invokes a built-in scalar function.
type Call struct {
	Fn   *builtin.Func
	Args []Expr
	Typ  sql.Type
}

// Op is a binary operator.
type Op uint8

const (
	OpAdd Op = iota
	OpSub
	OpMul
	OpDiv
	OpMod
	OpPow
	OpConcat
	OpEq
	OpNe
	OpLt
	OpLe
	OpGt
	OpGe
	OpNullSafeEq // IS NOT DISTINCT FROM
	OpBitAnd
	OpBitOr
	OpBitXor
	OpShiftLeft
	OpShiftRight
)

var opNames = [...]string{"+", "-", "*", "/", "%", "^", "||", "=", "<>", "<", "<=", ">", ">=", "IS NOT DISTINCT FROM", "&", "|", "#", "<<", ">>"}

func (o Op) String() string { return opNames[o] }

// IsComparison reports whether o yields a boolean from two comparable values.
func (o Op) IsComparison() bool { return o >= OpEq && o <= OpNullSafeEq }

// Commute returns the operator with its operands swapped (a < b == b > a).
func (o Op) Commute() Op {
	switch o {
	case OpLt:
		return OpGt
	case OpLe:
		return OpGe
	case OpGt:
		return OpLt
	case OpGe:
		return OpLe
	}
	return o
}

// BinOp applies Op to two operands already cast to compatible types.
type BinOp struct {
	Op   Op
	L, R Expr
	Typ  sql.Type
}

// Neg is unary minus; BitNot is ~.
type Neg struct{ Input Expr }
type BitNot struct{ Input Expr }

// And and Or are n-ary with SQL three-valued logic.
type And struct{ Args []Expr }
type Or struct{ Args []Expr }
type Not struct{ Input Expr }

// IsNull is IS [NOT] NULL.
type IsNull struct {
	Input Expr
	Not   bool
}

// IsBool is IS [NOT] TRUE / IS [NOT] FALSE (never NULL).
type IsBool struct {
	Input Expr
	Val   bool
	Not   bool
}

// When is one arm of a CASE.
type When struct{ Cond, Result Expr }

// Case is a searched CASE (a simple CASE binds to this with equalities).
type Case struct {
	Whens []When
	Else  Expr // nil = NULL
	Typ   sql.Type
}

// Coalesce returns the first non-NULL argument, evaluating lazily.
type Coalesce struct {
	Args []Expr
	Typ  sql.Type
}

// MinMax is GREATEST (Greatest) or LEAST, ignoring NULLs as PostgreSQL does.
type MinMax struct {
	Args     []Expr
	Greatest bool
	Typ      sql.Type
}

// InList is expr [NOT] IN (list).
type InList struct {
	Input Expr
	List  []Expr
	Not   bool
}

// Like is [NOT] LIKE / ILIKE.
type Like struct {
	Input, Pattern  Expr
	Escape          Expr // nil = backslash
	CaseInsensitive bool
	Not             bool
}

// SubqueryKind says how a subquery is used.
type SubqueryKind uint8

const (
	SubqueryScalar SubqueryKind = iota
	SubqueryExists
	SubqueryAny // Left Op ANY (subquery); IN is = ANY
	SubqueryAll
	SubqueryArray // ARRAY(subquery)
)

// Subquery is a query nested in an expression. Correlated subqueries read
// the enclosing row through OuterRef and are evaluated per row.
type Subquery struct {
	Kind       SubqueryKind
	Plan       Node
	Left       Expr // for Any/All
	Op         Op   // for Any/All
	Not        bool // NOT EXISTS
	Correlated bool
	Typ        sql.Type
}

// ArrayCmp is Left Op ANY|ALL (array).
type ArrayCmp struct {
	Left  Expr
	Op    Op
	All   bool
	Array Expr
}

// RowLit is a row constructor, ROW(a, b) or (a, b): a record value.
type RowLit struct {
	Elems []Expr
}

// ArrayLit is ARRAY[...].
type ArrayLit struct {
	Elems []Expr
	Typ   sql.Type
}

func (e *ColRef) Type() sql.Type   { return e.Typ }
func (e *OuterRef) Type() sql.Type { return e.Typ }
func (e *Const) Type() sql.Type    { return e.Typ }
func (e *Param) Type() sql.Type    { return e.Typ }
func (e *Cast) Type() sql.Type     { return e.Typ }
func (e *Call) Type() sql.Type     { return e.Typ }
func (e *BinOp) Type() sql.Type    { return e.Typ }
func (e *Neg) Type() sql.Type      { return e.Input.Type() }
func (e *BitNot) Type() sql.Type   { return e.Input.Type() }
func (e *And) Type() sql.Type      { return sql.Bool }
func (e *Or) Type() sql.Type       { return sql.Bool }
func (e *Not) Type() sql.Type      { return sql.Bool }
func (e *IsNull) Type() sql.Type   { return sql.Bool }
func (e *IsBool) Type() sql.Type   { return sql.Bool }
func (e *Case) Type() sql.Type     { return e.Typ }
func (e *Coalesce) Type() sql.Type { return e.Typ }
func (e *MinMax) Type() sql.Type   { return e.Typ }
func (e *InList) Type() sql.Type   { return sql.Bool }
func (e *Like) Type() sql.Type     { return sql.Bool }
func (e *Subquery) Type() sql.Type { return e.Typ }
func (e *ArrayCmp) Type() sql.Type { return sql.Bool }
func (e *ArrayLit) Type() sql.Type { return e.Typ }

var boolType = sql.Bool

func (e *RowLit) Type() sql.Type { return sql.Record }

// FieldSelect is (record).field: field Idx of a record value.
type FieldSelect struct {
	Input Expr
	Idx   int
	Typ   sql.Type
}

func (e *FieldSelect) Type() sql.Type { return e.Typ }
