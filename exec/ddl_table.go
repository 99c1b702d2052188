package exec

import (
	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

func (s *Session) createTable(n *sql.CreateTable) (string, error) {
	if err := checkSchema(n.Name); err != nil {
		return "", err
	}
	if n.As != nil {
		return "", errUnsupported("CREATE TABLE AS")
	}
	if len(n.With) > 0 {
		return "", errUnsupported("CREATE TABLE ... WITH (topic-backed tables)")
	}
	if s.e.cat.Lookup("", n.Name.Name) != nil {
		if n.IfNotExists {
			return "CREATE TABLE", nil
		}
		return "", sql.Errorf(sql.CodeDuplicateTable, "relation %q already exists", n.Name.Name)
	}
	rel := &catalog.Relation{Schema: "public", Name: n.Name.Name, Kind: catalog.KindTable, Owner: s.user}
	for _, cd := range n.Columns {
		if rel.ColumnIndex(cd.Name) >= 0 {
			return "", sql.Errorf(sql.CodeDuplicateColumn, "column %q specified more than once", cd.Name)
		}
		col := catalog.Column{Name: cd.Name, Type: cd.Type, NotNull: cd.NotNull || cd.PrimaryKey}
		if cd.Default != nil {
			col.Default = cd.Default.Text
		}
		if cd.Serial {
			return "", errUnsupported("serial columns")
		}
		if cd.PrimaryKey {
			if rel.PrimaryKey != nil {
				return "", sql.Errorf(sql.CodeInvalidTableDefinition, "multiple primary keys for table %q are not allowed", rel.Name)
			}
			rel.PrimaryKey = []int{len(rel.Columns)}
		}
		if cd.Unique || len(cd.Checks) > 0 || cd.References != nil || cd.Generated != nil {
			return "", errUnsupported("UNIQUE, CHECK, REFERENCES and generated columns")
		}
		rel.Columns = append(rel.Columns, col)
	}
	for _, c := range n.Constraints {
		if c.Kind != sql.ConstraintPrimaryKey {
			return "", errUnsupported("UNIQUE, CHECK and FOREIGN KEY constraints")
		}
		if rel.PrimaryKey != nil {
			return "", sql.Errorf(sql.CodeInvalidTableDefinition, "multiple primary keys for table %q are not allowed", rel.Name)
		}
		for _, name := range c.Columns {
			i := rel.ColumnIndex(name)
			if i < 0 {
				return "", sql.Errorf(sql.CodeUndefinedColumn, "column %q named in key does not exist", name)
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
