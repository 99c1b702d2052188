package exec

import (
	"fmt"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// mysqlType maps a column type as the TiDB grammar parsed it to the
// PostgreSQL type a PostgreSQL user meant by the same words.
func mysqlType(ft string, tp byte, flen int, dec int) (sql.Type, error) {
	switch tp {
	case mysql.TypeTiny, mysql.TypeShort:
		if strings.HasPrefix(ft, "tinyint(1)") {
			return sql.Bool, nil
		}
		return sql.Int2, nil
	case mysql.TypeLong, mysql.TypeInt24:
		return sql.Int4, nil
	case mysql.TypeLonglong:
		return sql.Int8, nil
	case mysql.TypeFloat:
		return sql.Float4, nil
	case mysql.TypeDouble:
		return sql.Float8, nil
	case mysql.TypeNewDecimal:
		if flen > 0 && !strings.HasPrefix(ft, "decimal(10,0)") {
			return sql.Type{OID: sql.OIDNumeric, Mod: int32((flen<<16)|max(dec, 0)) + 4}, nil
		}
		return sql.Numeric, nil
	case mysql.TypeVarchar, mysql.TypeVarString:
		if flen > 0 {
			return sql.Type{OID: sql.OIDVarchar, Mod: int32(flen + 4)}, nil
		}
		return sql.Varchar, nil
	case mysql.TypeString:
		if flen > 0 {
			return sql.Type{OID: sql.OIDBpchar, Mod: int32(flen + 4)}, nil
		}
		return sql.Type{OID: sql.OIDBpchar, Mod: 5}, nil
	case mysql.TypeBlob, mysql.TypeTinyBlob, mysql.TypeMediumBlob, mysql.TypeLongBlob:
		if strings.Contains(ft, "blob") {
			return sql.Bytea, nil
		}
		return sql.Text, nil
	case mysql.TypeDate:
		return sql.Date, nil
	case mysql.TypeDatetime:
		return sql.Timestamp, nil
	case mysql.TypeTimestamp:
		return sql.TimestampTZ, nil
	case mysql.TypeDuration:
		return sql.Time, nil
	case mysql.TypeJSON:
		return sql.JSONB, nil
	}
	return sql.Type{}, sql.Errorf(sql.CodeUndefinedObject, "type %q does not exist", ft)
}

func (s *Session) createTableTiDB(n *ast.CreateTableStmt) (string, error) {
	name := n.Table.Name.O
	if schema := n.Table.Schema.O; schema != "" && schema != "public" {
		return "", sql.Errorf(sql.CodeInvalidSchemaName, "schema %q does not exist", schema)
	}
	if s.e.cat.Lookup("", name) != nil {
		if n.IfNotExists {
			return "CREATE TABLE", nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", name)
	}
	if n.Select != nil {
		return "", errUnsupported("CREATE TABLE AS")
	}
	rel := &catalog.Relation{Schema: "public", Name: name, Kind: catalog.KindTable, Owner: s.user}
	for _, cd := range n.Cols {
		cname := cd.Name.Name.O
		if rel.ColumnIndex(cname) >= 0 {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", cname)
		}
		t, err := mysqlType(strings.ToLower(cd.Tp.String()), cd.Tp.GetType(), cd.Tp.GetFlen(), cd.Tp.GetDecimal())
		if err != nil {
			return "", err
		}
		col := catalog.Column{Name: cname, Type: t}
		for _, o := range cd.Options {
			switch o.Tp {
			case ast.ColumnOptionNotNull:
				col.NotNull = true
			case ast.ColumnOptionPrimaryKey:
				col.NotNull = true
				rel.PrimaryKey = []int{len(rel.Columns)}
			case ast.ColumnOptionDefaultValue:
				col.Default = restoreExpr(o.Expr)
			}
		}
		rel.Columns = append(rel.Columns, col)
	}
	for _, c := range n.Constraints {
		if c.Tp != ast.ConstraintPrimaryKey {
			continue
		}
		rel.PrimaryKey = nil
		for _, k := range c.Keys {
			i := rel.ColumnIndex(k.Column.Name.O)
			if i < 0 {
				return "", sql.Errorf(sql.CodeUndefinedColumn, "column %q named in key does not exist", k.Column.Name.O)
			}
			rel.PrimaryKey = append(rel.PrimaryKey, i)
			rel.Columns[i].NotNull = true
		}
	}
	oid, err := s.e.cat.AllocOIDs(1)
	if err != nil {
		return "", err
	}
	rel.OID = oid
	if err := s.e.cat.Put(rel); err != nil {
		return "", err
	}
	return "CREATE TABLE", nil
}

func restoreExpr(e ast.ExprNode) string {
	var sb strings.Builder
	if err := e.Restore(newRestoreCtx(&sb)); err != nil {
		return ""
	}
	return sb.String()
}

func (s *Session) dropTableTiDB(n *ast.DropTableStmt) (string, error) {
	kind, tag := catalog.KindTable, "DROP TABLE"
	if n.IsView {
		kind, tag = catalog.KindView, "DROP VIEW"
	}
	var oids []uint32
	for _, t := range n.Tables {
		rel := s.e.cat.Lookup(t.Schema.O, t.Name.O)
		if rel == nil || rel.Kind != kind {
			if n.IfExists {
				continue
			}
			what := "table"
			if n.IsView {
				what = "view"
			}
			if rel != nil {
				return "", sql.Errorf(sql.CodeWrongObjectType, "%q is not a %s", t.Name.O, what)
			}
			return "", sql.Errorf(sql.CodeUndefinedTable, "%s %q does not exist", what, t.Name.O)
		}
		if deps := s.e.cat.Dependents(rel.OID); len(deps) > 0 {
			return "", &sql.Error{Code: sql.CodeDependentObjectsStillExist,
				Message: fmt.Sprintf("cannot drop %s %s because other objects depend on it", strings.ToLower(strings.TrimPrefix(tag, "DROP ")), rel.Name),
				Hint:    "Use DROP ... CASCADE to drop the dependent objects too."}
		}
		oids = append(oids, rel.OID)
	}
	if len(oids) > 0 {
		if err := s.e.cat.Delete(oids...); err != nil {
			return "", err
		}
	}
	return tag, nil
}

func (s *Session) createViewTiDB(n *ast.CreateViewStmt, text string) (string, error) {
	name := n.ViewName.Name.O
	existing := s.e.cat.Lookup("", name)
	if existing != nil && !(n.OrReplace && existing.Kind == catalog.KindView) {
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", name)
	}
	// The stored SQL is the SELECT as the user wrote it: find it after AS.
	body, ok := viewBody(text)
	if !ok {
		return "", sql.Errorf(sql.CodeSyntaxError, "CREATE VIEW needs AS SELECT")
	}
	q, err := s.e.planner.PlanQuery(n.Select, nil)
	if err != nil {
		return "", err
	}
	rel := &catalog.Relation{Schema: "public", Name: name, Kind: catalog.KindView, Owner: s.user, SQL: body}
	cols := q.Plan.Columns()
	names := make([]string, 0, len(cols))
	for _, c := range n.Cols {
		names = append(names, c.O)
	}
	seen := map[string]bool{}
	for i, c := range columnsOf(cols) {
		cn := c.Name
		if i < len(names) {
			cn = names[i]
		}
		if seen[cn] {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", cn)
		}
		seen[cn] = true
		rel.Columns = append(rel.Columns, catalog.Column{Name: cn, Type: c.Type})
	}
	for _, r := range s.e.cat.Relations() {
		if strings.Contains(body, r.Name) {
			rel.DependsOn = append(rel.DependsOn, r.OID)
		}
	}
	if existing != nil {
		rel.OID = existing.OID
	} else {
		oid, err := s.e.cat.AllocOIDs(1)
		if err != nil {
			return "", err
		}
		rel.OID = oid
	}
	if err := s.e.cat.Put(rel); err != nil {
		return "", err
	}
	return "CREATE VIEW", nil
}

// viewBody returns the query text after the AS of CREATE VIEW.
func viewBody(text string) (string, bool) {
	lower := strings.ToLower(text)
	for i := 0; i+2 <= len(lower); i++ {
		if lower[i:i+2] != "as" {
			continue
		}
		before := i == 0 || !isIdentChar(lower[i-1])
		after := i+2 == len(lower) || !isIdentChar(lower[i+2])
		if before && after {
			rest := strings.TrimSpace(text[i+2:])
			rl := strings.ToLower(rest)
			if strings.HasPrefix(rl, "select") || strings.HasPrefix(rl, "with") || strings.HasPrefix(rl, "(") || strings.HasPrefix(rl, "values") {
				return rest, true
			}
		}
	}
	return "", false
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}
