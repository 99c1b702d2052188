package catalog

import (
	"strconv"
	"strings"
)

// TempSchemaPrefix starts the name of a session's temporary schema,
// pg_temp_N as in PostgreSQL, where N is the session's temp slot.
const TempSchemaPrefix = "pg_temp_"

// TempSchema is the temporary schema of slot n.
func TempSchema(n int) string { return TempSchemaPrefix + strconv.Itoa(n) }

// IsTempSchema reports whether schema is a session's temporary schema.
func IsTempSchema(schema string) bool {
	n, ok := strings.CutPrefix(schema, TempSchemaPrefix)
	return ok && n != "" && strings.Trim(n, "0123456789") == ""
}

// IsTemp reports whether the relation is a temporary one (pg_class
// relpersistence 't').
func (r *Relation) IsTemp() bool { return IsTempSchema(r.Schema) }

// TempRelations returns the relations in a temporary schema, or in every
// temporary schema when schema is "".
func (c *Catalog) TempRelations(schema string) []uint32 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []uint32
	for oid, r := range c.byOID {
		if (schema == "" && IsTempSchema(r.Schema)) || (schema != "" && r.Schema == schema) {
			out = append(out, oid)
		}
	}
	return out
}

// dropOrphanTemps deletes the temporary relations a crash left behind: the
// sessions that owned them are gone, so nothing can reach them.
func (c *Catalog) dropOrphanTemps() error {
	if oids := c.TempRelations(""); len(oids) > 0 {
		return c.Delete(oids...)
	}
	return nil
}
