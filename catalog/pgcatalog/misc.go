package pgcatalog

import (
	"sort"
)

// Settings that pg_settings describes beyond their value, for clients that
// read unit or vartype; the rest are listed as strings.
var settingUnits = map[string][2]string{
	"statement_timeout":           {"ms", "integer"},
	"extra_float_digits":          {"", "integer"},
	"max_identifier_length":       {"", "integer"},
	"integer_datetimes":           {"", "bool"},
	"standard_conforming_strings": {"", "bool"},
}

func init() {
	def("pg_catalog", "pg_database", func(ctx *Context) ([]rec, error) {
		return []rec{{
			"oid": oidDatabase, "datname": ctx.Database, "datdba": oidSuperuser, "encoding": 6,
			"datlocprovider": "c", "datistemplate": false, "datallowconn": true, "datconnlimit": -1,
			"datfrozenxid": 0, "datminmxid": 1, "dattablespace": oidDefaultTblspc,
			"datcollate": "C.UTF-8", "datctype": "C.UTF-8",
		}}, nil
	})
	def("pg_catalog", "pg_roles", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range roleRecs(ctx) {
			r["rolpassword"] = "********"
			r["rolconfig"] = nil
			out = append(out, r)
		}
		return out, nil
	})
	def("pg_catalog", "pg_authid", func(ctx *Context) ([]rec, error) {
		// Verifiers are for superusers' eyes only; PostgreSQL refuses
		// others the whole table, which would break clients that join it.
		super := isSuperuser(ctx)
		var out []rec
		for _, r := range roleRecs(ctx) {
			r["rolpassword"] = nil
			if super && ctx.Cat != nil {
				if role := ctx.Cat.Role(r["rolname"].(string)); role != nil && role.Password != nil {
					r["rolpassword"] = role.Password.String()
				}
			}
			out = append(out, r)
		}
		return out, nil
	})
	def("pg_catalog", "pg_user", func(ctx *Context) ([]rec, error) {
		var out []rec
		for _, r := range roleRecs(ctx) {
			if r["rolcanlogin"] != true {
				continue
			}
			out = append(out, rec{"usename": r["rolname"], "usesysid": r["oid"], "usecreatedb": r["rolcreatedb"],
				"usesuper": r["rolsuper"], "userepl": r["rolreplication"], "usebypassrls": r["rolbypassrls"],
				"passwd": "********", "valuntil": nil, "useconfig": nil})
		}
		return out, nil
	})
	def("pg_catalog", "pg_tablespace", func(*Context) ([]rec, error) {
		return []rec{
			{"oid": oidDefaultTblspc, "spcname": "pg_default", "spcowner": oidSuperuser},
			{"oid": uint32(1664), "spcname": "pg_global", "spcowner": oidSuperuser},
		}, nil
	})
	// Settings are kept by lower-case name; pg_settings shows PostgreSQL's
	// spelling, which clients match exactly (WHERE name = 'TimeZone').
	def("pg_catalog", "pg_settings", func(ctx *Context) ([]rec, error) {
		names := make([]string, 0, len(ctx.Settings))
		for n := range ctx.Settings {
			names = append(names, n)
		}
		sort.Strings(names)
		out := make([]rec, 0, len(names))
		for _, n := range names {
			unit, vartype := "", "string"
			if u, ok := settingUnits[n]; ok {
				unit, vartype = u[0], u[1]
			}
			var unitV any
			if unit != "" {
				unitV = unit
			}
			name := n
			if m, ok := mixedCaseSettings[n]; ok {
				name = m
			}
			out = append(out, rec{"name": name, "setting": ctx.Settings[n], "unit": unitV, "category": "Ungrouped",
				"short_desc": "", "context": "user", "vartype": vartype, "source": "session",
				"boot_val": ctx.Settings[n], "reset_val": ctx.Settings[n], "pending_restart": false})
		}
		return out, nil
	})
	def("pg_catalog", "pg_collation", func(*Context) ([]rec, error) {
		c := func(oid uint32, name string, provider string, collate any) rec {
			return rec{"oid": oid, "collname": name, "collnamespace": OIDPgCatalog, "collowner": oidSuperuser,
				"collprovider": provider, "collisdeterministic": true, "collencoding": -1,
				"collcollate": collate, "collctype": collate}
		}
		return []rec{c(oidDefaultCollate, "default", "d", nil), c(oidCCollate, "C", "c", "C"), c(951, "POSIX", "c", "POSIX")}, nil
	})
	def("pg_catalog", "pg_language", func(*Context) ([]rec, error) {
		l := func(oid uint32, name string) rec {
			return rec{"oid": oid, "lanname": name, "lanowner": oidSuperuser, "lanispl": false, "lanpltrusted": name == "sql",
				"lanplcallfoid": uint32(0), "laninline": uint32(0), "lanvalidator": uint32(0)}
		}
		return []rec{l(oidLanguageIntern, "internal"), l(oidLanguagePlpgsql, "c"), l(oidLanguageSQL, "sql")}, nil
	})

	// Relations of features eddy does not have (inheritance, partitioning,
	// rules, triggers, row security, publications, extensions, foreign
	// data, enums, ranges): clients query them, and they are empty.
	for _, n := range []string{"pg_inherits", "pg_enum", "pg_range", "pg_trigger", "pg_policy",
		"pg_statistic_ext", "pg_publication", "pg_publication_rel", "pg_publication_namespace",
		"pg_foreign_table", "pg_partitioned_table", "pg_event_trigger", "pg_extension", "pg_cast",
		"pg_operator", "pg_default_acl", "pg_auth_members", "pg_foreign_data_wrapper",
		"pg_foreign_server", "pg_opclass", "pg_init_privs", "pg_aggregate", "pg_conversion", "pg_opfamily",
		"pg_shdepend", "pg_seclabel", "pg_transform", "pg_ts_config", "pg_user_mappings",
		"pg_available_extensions", "pg_timezone_names"} {
		empty("pg_catalog", n)
	}
}

// roleRecs are the catalog's roles; a catalog without roles (tools that
// open one bare) shows the connected user as the superuser.
func roleRecs(ctx *Context) []rec {
	if ctx.Cat == nil || len(ctx.Cat.Roles()) == 0 {
		return []rec{roleRec(ctx.User)}
	}
	var out []rec
	for _, r := range ctx.Cat.Roles() {
		out = append(out, rec{"oid": r.OID, "rolname": r.Name, "rolsuper": r.Superuser, "rolinherit": true,
			"rolcreaterole": r.CreateRole, "rolcreatedb": r.CreateDB, "rolcanlogin": r.Login,
			"rolreplication": false, "rolbypassrls": r.Superuser, "rolconnlimit": -1, "rolvaliduntil": nil})
	}
	return out
}

func isSuperuser(ctx *Context) bool {
	if ctx.Cat == nil || len(ctx.Cat.Roles()) == 0 {
		return true
	}
	r := ctx.Cat.Role(ctx.User)
	return r != nil && r.Superuser
}

func roleRec(user string) rec {
	return rec{"oid": oidSuperuser, "rolname": user, "rolsuper": true, "rolinherit": true, "rolcreaterole": true,
		"rolcreatedb": true, "rolcanlogin": true, "rolreplication": true, "rolbypassrls": true,
		"rolconnlimit": -1, "rolvaliduntil": nil}
}

// mixedCaseSettings are the settings whose PostgreSQL names are not all
// lower case.
var mixedCaseSettings = map[string]string{"datestyle": "DateStyle", "intervalstyle": "IntervalStyle", "timezone": "TimeZone"}
