package pgcatalog

import (
	"sort"
	"strconv"
	"strings"

	"github.com/eddysql/eddy/catalog"
)

// tempNamespaceBase + N is the pg_namespace OID of pg_temp_N; the range is
// free of the synthesized OIDs of objects.go.
const tempNamespaceBase uint32 = 0x78000000

// tempSlot is N of a temporary schema pg_temp_N.
func tempSlot(schema string) (int, bool) {
	if !catalog.IsTempSchema(schema) {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimPrefix(schema, catalog.TempSchemaPrefix))
	return n, err == nil && n >= 0 && n < 1<<24
}

// persistence is pg_class.relpersistence of a relation in schema.
func persistence(schema string) string {
	if catalog.IsTempSchema(schema) {
		return "t"
	}
	return "p"
}

// tempSchemas are the temporary schemas that hold relations now, in
// order; PostgreSQL lists a session's pg_temp_N once it has used one.
func tempSchemas(cat *catalog.Catalog) []string {
	if cat == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range cat.Relations() {
		if r.IsTemp() && !seen[r.Schema] {
			seen[r.Schema] = true
			out = append(out, r.Schema)
		}
	}
	sort.Strings(out)
	return out
}
