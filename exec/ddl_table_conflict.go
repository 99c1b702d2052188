package exec

import (
	"fmt"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// tableOnConflict records a table's ON CONFLICT clause (RisingWave's): the
// action needs a primary key to meet, and one that changes rows needs a
// table that takes updates.
func tableOnConflict(rel *catalog.Relation, action string) error {
	if rel.PrimaryKey == nil {
		return &sql.Error{Code: sql.CodeInvalidTableDefinition,
			Message: fmt.Sprintf("ON CONFLICT needs a primary key: table %q has none", rel.Name)}
	}
	if rel.AppendOnly && action != "ignore" {
		return &sql.Error{Code: sql.CodeInvalidTableDefinition,
			Message: fmt.Sprintf("ON CONFLICT %s would update rows of the APPEND ONLY table %q", action, rel.Name),
			Hint:    "An APPEND ONLY table takes ON CONFLICT IGNORE only."}
	}
	rel.OnConflict = action
	return nil
}
