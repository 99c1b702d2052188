// Package pgcatalog builds PostgreSQL's system relations (pg_catalog and
// information_schema) from eddy's catalog, so that psql, JDBC, SQLAlchemy
// and BI tools can introspect eddy with the queries they send to
// PostgreSQL. The relations are virtual: rows are computed when a
// statement reads them, from one consistent view of the catalog.
package pgcatalog

import (
	"strings"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Column is a column of a system relation.
type Column struct {
	Name string
	Type sql.Type
}

// Context is what row generation may read.
type Context struct {
	Cat      *catalog.Catalog
	User     string
	Database string
	// Settings are the session's settings (lower-case names), for pg_settings.
	Settings map[string]string
	// Stats shows the running server (stat_activity.go); nil shows none.
	Stats Stats
}

// Table is one system relation.
type Table struct {
	Schema  string // "pg_catalog" or "information_schema"
	Name    string
	OID     uint32 // PostgreSQL's OID for the relation, where it has one
	Columns []Column
	Rows    func(ctx *Context) ([]sql.Row, error)
}

var tables = map[string]*Table{}

// register adds a table; only init functions call it.
func register(t *Table) { tables[t.Schema+"."+t.Name] = t }

// Lookup finds a system relation. An unqualified name resolves in
// pg_catalog, which PostgreSQL searches before the user's schemas.
func Lookup(schema, name string) *Table {
	if schema == "" {
		schema = "pg_catalog"
	}
	return tables[strings.ToLower(schema)+"."+strings.ToLower(name)]
}

// Tables lists every system relation.
func Tables() []*Table {
	out := make([]*Table, 0, len(tables))
	for _, t := range tables {
		out = append(out, t)
	}
	return out
}

// Namespace OIDs, as PostgreSQL assigns them.
const (
	OIDPgCatalog         uint32 = 11
	OIDPublic            uint32 = 2200
	OIDInformationSchema uint32 = 13000
)

func init() {
	register(&Table{
		Schema: "pg_catalog", Name: "pg_namespace", OID: 2615,
		Columns: []Column{{"oid", sql.Oid}, {"nspname", sql.Name}, {"nspowner", sql.Oid}, {"nspacl", sql.ArrayOf(sql.Text)}},
		Rows: func(ctx *Context) ([]sql.Row, error) {
			ns := func(oid uint32, name string, owner uint32) sql.Row {
				acl := sql.Null
				if oid == OIDPublic {
					acl = value(schemaACL(ctx.Cat))
				}
				return sql.Row{sql.NewInt(int64(oid)), sql.NewText(name), sql.NewInt(int64(owner)), acl}
			}
			// PostgreSQL 15 gives public to pg_database_owner.
			rows := []sql.Row{ns(OIDPgCatalog, "pg_catalog", oidSuperuser), ns(OIDPublic, "public", oidDatabaseOwner),
				ns(OIDInformationSchema, "information_schema", oidSuperuser)}
			if ctx.Cat != nil {
				for _, s := range ctx.Cat.Schemas() {
					rows = append(rows, ns(s.OID, s.Name, s.Owner))
				}
			}
			for _, t := range tempSchemas(ctx.Cat) {
				rows = append(rows, ns(nsOID(ctx.Cat, t), t, oidSuperuser))
			}
			return rows, nil
		},
	})
}
