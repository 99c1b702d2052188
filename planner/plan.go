package planner

import (
	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Column is one output column of a plan node.
type Column struct {
	Name string
	Type sql.Type
	// Table is the relation alias that qualifies the column in its scope.
	Table string
	// TableOID and Attnum identify a base table column (for RowDescription).
	TableOID uint32
	Attnum   int16
	// Hidden columns (a row id) are not expanded by *.
	Hidden bool
	// Fields name the fields of a record-typed column, so that (col).name
	// can select one.
	Fields []Column
}

// Node is a relational plan node. Nodes are immutable data.
type Node interface {
	Columns() []Column
	Children() []Node
}

// Scan reads a stored relation (a table or a materialized view).
type Scan struct {
	Rel  *catalog.Relation
	Cols []Column
	// Key, when set, restricts the scan to rows whose primary key equals
	// these expressions (a point lookup); KeyCols are their positions.
	Key []Expr
	// Indexes are the relation's indexes that scans may use (those of a
	// table or materialized view, whose entries exec maintains); Index, when set,
	// restricts the scan to the rows one of them finds (index_scan.go).
	Indexes []*catalog.Relation
	Index   *IndexRange
}

// Values produces literal rows.
type Values struct {
	Rows [][]Expr
	Cols []Column
}

// Filter keeps rows for which Pred is true.
type Filter struct {
	Input Node
	Pred  Expr
}

// Project computes expressions over each input row.
type Project struct {
	Input Node
	Exprs []Expr
	Cols  []Column
}

// AggCall is one aggregate computed by Aggregate.
type AggCall struct {
	Func     *AggFunc
	Args     []Expr
	Distinct bool
	Filter   Expr      // nil = all rows
	Order    []SortKey // for order-sensitive aggregates (string_agg ... ORDER BY)
	Type     sql.Type
}

// Aggregate groups its input by Group and computes Aggs per group. Its
// output is the group expressions followed by the aggregates. With no Group
// it yields exactly one row, even over no input.
//
// GroupingSets, when not nil (GROUP BY ROLLUP, CUBE, GROUPING SETS), lists
// sets of indexes into Group: the input is grouped by each set, in one pass,
// and a row of a set holds NULL in the Group columns absent from that set.
// The output then has one more column between the group columns and the
// aggregates: the row's set number (int4, its index in GroupingSets), which
// GROUPING() reads and which keeps apart the rows of sets that would
// otherwise look alike. A set of no columns yields one row even over no input.
type Aggregate struct {
	Input        Node
	Group        []Expr
	GroupingSets [][]int
	Aggs         []AggCall
	Cols         []Column
}

// JoinKind is the kind of join.
type JoinKind uint8

const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinSemi // rows of Left with a match (EXISTS, IN)
	JoinAnti // rows of Left without a match (NOT EXISTS)
)

func (k JoinKind) String() string {
	return [...]string{"Inner", "Left", "Right", "Full", "Semi", "Anti"}[k]
}

// Join combines two inputs. LeftKeys/RightKeys are equi-join keys (column
// expressions over each side); On is the remaining condition over the
// concatenated row (left columns then right columns).
type Join struct {
	Kind      JoinKind
	Left      Node
	Right     Node
	LeftKeys  []Expr
	RightKeys []Expr
	On        Expr
	Cols      []Column
	// Temporal marks a process-time temporal join (the right side read FOR
	// SYSTEM_TIME AS OF PROCTIME()): a view joins each change of the left
	// side with the right side as it is when the change arrives, and a
	// change of the right side alters no row already shown. A batch query
	// is the plain join.
	Temporal bool
	// Asof marks an ASOF [LEFT] JOIN (RisingWave's, DuckDB's): each left
	// row joins only the matching right row closest to it by On's one
	// inequality between the sides (AsofInequality), ties going to the
	// least right row; a LEFT one pads a left row with none.
	Asof bool
}

// SortKey orders by one expression.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// Sort orders its input. In a continuous query only a Sort under a Limit (a
// TopN) is meaningful; the final Sort of a batch query orders the output.
type Sort struct {
	Input Node
	Keys  []SortKey
}

// Limit keeps Count rows after skipping Offset (both constant or parameter
// expressions; Count nil means no limit).
type Limit struct {
	Input  Node
	Count  Expr
	Offset Expr
}

// Distinct removes duplicate rows.
type Distinct struct {
	Input Node
	// On, when set, is DISTINCT ON: one row per distinct value of these
	// expressions (the first in the input's order).
	On []Expr
}

// SetOpKind is UNION, INTERSECT or EXCEPT.
type SetOpKind uint8

const (
	Union SetOpKind = iota
	Intersect
	Except
)

func (k SetOpKind) String() string { return [...]string{"Union", "Intersect", "Except"}[k] }

// SetOp combines two inputs of the same shape.
type SetOp struct {
	Kind  SetOpKind
	All   bool
	Left  Node
	Right Node
	Cols  []Column
}

// WindowCall is one window function computed by Window.
type WindowCall struct {
	Func      string // row_number, rank, dense_rank, lag, lead, first_value, ... or an aggregate
	Agg       *AggFunc
	Args      []Expr
	Partition []Expr
	Order     []SortKey
	Frame     *Frame
	Type      sql.Type
	Filter    Expr // agg(...) FILTER (WHERE Filter) OVER (...); nil for none
	// Closes marks the lead of the order column that EOWCPlan adds: the
	// row's values are final once it is below the order column's bound.
	Closes bool
}

// Frame is a window frame; nil means the default (RANGE UNBOUNDED PRECEDING
// to CURRENT ROW with ORDER BY, the whole partition without).
type Frame struct {
	Rows      bool // ROWS rather than RANGE
	Groups    bool // GROUPS rather than RANGE
	StartKind BoundKind
	StartN    int64
	EndKind   BoundKind
	EndN      int64
	// StartOff/EndOff are the PRECEDING/FOLLOWING offsets as constant
	// expressions (literals, parameters); nil for other bound kinds.
	StartOff, EndOff Expr
	// RANGE with an offset: each row's boundary values (key -/+ offset) and
	// its order key in their type, compared in the window's sort order.
	StartVal, EndVal, RangeKey Expr
	Exclude                    FrameExclude
}

// BoundKind is one end of a window frame.
type BoundKind uint8

const (
	UnboundedPreceding BoundKind = iota
	Preceding
	CurrentRow
	Following
	UnboundedFollowing
)

// Window appends one column per call to each input row.
type Window struct {
	Input Node
	Calls []WindowCall
	Cols  []Column
}

// TableFunc is a set-returning function in FROM (generate_series, unnest).
type TableFunc struct {
	Name string
	Args []Expr
	Cols []Column
	// Ordinality appends the row's position (WITH ORDINALITY).
	Ordinality bool
}

// ProjectSet evaluates set-returning functions of a select list: each input
// row yields as many rows as its longest result, the input columns followed
// by one column per call (NULL where a shorter result ran out).
type ProjectSet struct {
	Input Node
	Calls []SRFCall
	Cols  []Column
}

// FuncJoin is a lateral join with a set-returning function: for each Left
// row, Call's arguments are evaluated over that row and each result row is
// appended to it. On filters the joined rows; Outer keeps a Left row that
// joined nothing, padded with NULLs (LEFT JOIN LATERAL).
type FuncJoin struct {
	Left       Node
	Call       SRFCall
	Ordinality bool
	On         Expr
	Outer      bool
	Cols       []Column
}

// LateralJoin joins each Left row with the rows of Right, a subquery that
// reads the Left row as its outer row (Level 1): FROM a, LATERAL (SELECT ...
// WHERE x = a.x). On filters joined rows; Outer pads Left rows that joined
// nothing (LEFT JOIN LATERAL).
type LateralJoin struct {
	Left  Node
	Right Node
	On    Expr
	Outer bool
	Cols  []Column
}

// CTERef reads a common table expression computed once per query.
type CTERef struct {
	CTE  *CTE
	Cols []Column
}

// CTE is a named subquery shared by its references.
type CTE struct {
	Name string
	Plan Node
	// Recursive CTEs iterate Recursive over the rows the previous step added,
	// starting from Plan, until no new rows appear.
	Recursive Node
	UnionAll  bool
}

// WorkTable reads the rows of the previous iteration of a recursive CTE.
type WorkTable struct {
	CTE  *CTE
	Cols []Column
}

// VirtualScan reads a system relation (pg_catalog, information_schema) built
// on demand from the catalog.
type VirtualScan struct {
	Name string // schema.name
	Cols []Column
}

func (n *Scan) Columns() []Column        { return n.Cols }
func (n *Values) Columns() []Column      { return n.Cols }
func (n *Filter) Columns() []Column      { return n.Input.Columns() }
func (n *Project) Columns() []Column     { return n.Cols }
func (n *Aggregate) Columns() []Column   { return n.Cols }
func (n *Join) Columns() []Column        { return n.Cols }
func (n *Sort) Columns() []Column        { return n.Input.Columns() }
func (n *Limit) Columns() []Column       { return n.Input.Columns() }
func (n *Distinct) Columns() []Column    { return n.Input.Columns() }
func (n *SetOp) Columns() []Column       { return n.Cols }
func (n *Window) Columns() []Column      { return n.Cols }
func (n *TableFunc) Columns() []Column   { return n.Cols }
func (n *CTERef) Columns() []Column      { return n.Cols }
func (n *ProjectSet) Columns() []Column  { return n.Cols }
func (n *FuncJoin) Columns() []Column    { return n.Cols }
func (n *LateralJoin) Columns() []Column { return n.Cols }
func (n *WorkTable) Columns() []Column   { return n.Cols }
func (n *VirtualScan) Columns() []Column { return n.Cols }

func (n *Scan) Children() []Node        { return nil }
func (n *Values) Children() []Node      { return nil }
func (n *Filter) Children() []Node      { return []Node{n.Input} }
func (n *Project) Children() []Node     { return []Node{n.Input} }
func (n *Aggregate) Children() []Node   { return []Node{n.Input} }
func (n *Join) Children() []Node        { return []Node{n.Left, n.Right} }
func (n *Sort) Children() []Node        { return []Node{n.Input} }
func (n *Limit) Children() []Node       { return []Node{n.Input} }
func (n *Distinct) Children() []Node    { return []Node{n.Input} }
func (n *SetOp) Children() []Node       { return []Node{n.Left, n.Right} }
func (n *Window) Children() []Node      { return []Node{n.Input} }
func (n *TableFunc) Children() []Node   { return nil }
func (n *CTERef) Children() []Node      { return nil }
func (n *ProjectSet) Children() []Node  { return []Node{n.Input} }
func (n *FuncJoin) Children() []Node    { return []Node{n.Left} }
func (n *LateralJoin) Children() []Node { return []Node{n.Left, n.Right} }
func (n *WorkTable) Children() []Node   { return nil }
func (n *VirtualScan) Children() []Node { return nil }
