package pgcatalog

import (
	"time"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/sql"
)

// Stats is what the statistics views (pg_stat_activity, pg_locks,
// pg_stat_*_tables) show of the running server; exec provides it.
type Stats interface {
	// Backends are the sessions, one each.
	Backends() []Backend
	// Locks are the locks held and awaited, advisory and virtualxid.
	Locks() []Lock
	// Table is a relation's counters; ok is false when nothing is known.
	Table(r *catalog.Relation) (TableStat, bool)
}

// Backend is one session as pg_stat_activity shows it.
type Backend struct {
	PID        uint32
	User       string
	AppName    string
	ClientAddr string // "" for none (a Unix socket, a test)
	ClientPort int    // -1 for a Unix socket
	// BackendStart .. StateChange are zero where PostgreSQL shows NULL.
	BackendStart, XactStart, QueryStart, StateChange time.Time
	State, Query                                     string
	// WaitEventType and WaitEvent are "" when the session waits for
	// nothing PostgreSQL would name (it does not wait on a lock).
	WaitEventType, WaitEvent string
	// Hidden: the viewer may not see what the session does (another
	// role's session, viewed by a role that is not a superuser).
	Hidden bool
}

// Lock is one row of pg_locks.
type Lock struct {
	Type               string // "advisory" or "virtualxid"
	VirtualXID         string // of a virtualxid lock
	ClassID, ObjID     uint32 // of an advisory lock
	ObjSubID           int16
	VirtualTransaction string
	PID                uint32
	Mode               string
	Granted, Fastpath  bool
	WaitStart          time.Time
}

// TableStat is what pg_stat_all_tables counts for a relation; counters
// eddy does not keep are 0.
type TableStat struct {
	SeqScan, SeqTupRead, IdxScan, IdxTupFetch int64
	Ins, Upd, Del, Live                       int64
}

func init() {
	// PostgreSQL 15's columns of the views that pgColumns lacks; the
	// _all_ views have their _user_ counterparts' columns.
	pgColumns["pg_catalog.pg_stat_all_tables"] = struct {
		OID     uint32
		Columns []Column
	}{12142, pgColumns["pg_catalog.pg_stat_user_tables"].Columns}
	pgColumns["pg_catalog.pg_statio_all_tables"] = struct {
		OID     uint32
		Columns []Column
	}{12170, pgColumns["pg_catalog.pg_statio_user_tables"].Columns}

	def("pg_catalog", "pg_stat_activity", func(ctx *Context) ([]rec, error) {
		if ctx.Stats == nil {
			return nil, nil
		}
		var out []rec
		for _, b := range ctx.Stats.Backends() {
			x := rec{"datid": oidDatabase, "datname": ctx.Database, "pid": int64(b.PID), "leader_pid": nil,
				"usesysid": roleOID(ctx, b.User), "usename": b.User, "application_name": b.AppName,
				"client_addr": nil, "client_hostname": nil, "client_port": nil,
				"backend_start": ts(b.BackendStart), "xact_start": nil, "query_start": nil, "state_change": nil,
				"wait_event_type": nil, "wait_event": nil, "state": nil, "backend_xid": nil, "backend_xmin": nil,
				"query_id": nil, "query": "<insufficient privilege>", "backend_type": "client backend"}
			if b.Hidden {
				out = append(out, x)
				continue
			}
			if b.ClientAddr != "" {
				x["client_addr"], x["client_port"] = b.ClientAddr, b.ClientPort
			} else if b.ClientPort == -1 {
				x["client_port"] = -1
			}
			x["xact_start"], x["query_start"], x["state_change"] = ts(b.XactStart), ts(b.QueryStart), ts(b.StateChange)
			x["state"], x["query"] = b.State, b.Query
			if b.WaitEventType != "" {
				x["wait_event_type"], x["wait_event"] = b.WaitEventType, b.WaitEvent
			}
			out = append(out, x)
		}
		return out, nil
	})
	def("pg_catalog", "pg_locks", func(ctx *Context) ([]rec, error) {
		if ctx.Stats == nil {
			return nil, nil
		}
		var out []rec
		for _, l := range ctx.Stats.Locks() {
			x := rec{"locktype": l.Type, "database": nil, "relation": nil, "page": nil, "tuple": nil,
				"virtualxid": nil, "transactionid": nil, "classid": nil, "objid": nil, "objsubid": nil,
				"virtualtransaction": l.VirtualTransaction, "pid": int64(l.PID), "mode": l.Mode,
				"granted": l.Granted, "fastpath": l.Fastpath, "waitstart": ts(l.WaitStart)}
			switch l.Type {
			case "advisory":
				x["database"], x["classid"], x["objid"], x["objsubid"] = oidDatabase, l.ClassID, l.ObjID, l.ObjSubID
			case "virtualxid":
				x["virtualxid"] = l.VirtualXID
			}
			out = append(out, x)
		}
		return out, nil
	})
	def("pg_catalog", "pg_stat_database", func(ctx *Context) ([]rec, error) {
		n := 0
		if ctx.Stats != nil {
			n = len(ctx.Stats.Backends())
		}
		// PostgreSQL also has a row for the shared objects (datid 0).
		return []rec{{"datid": uint32(0), "datname": nil, "numbackends": 0, "checksum_last_failure": nil, "stats_reset": nil},
			{"datid": oidDatabase, "datname": ctx.Database, "numbackends": n, "checksum_last_failure": nil, "stats_reset": nil}}, nil
	})
	// The _all_ views would also list PostgreSQL's system tables, which
	// eddy does not store: they list what the _user_ ones do.
	for _, v := range []struct {
		name string
		io   bool
	}{{"pg_stat_user_tables", false}, {"pg_stat_all_tables", false}, {"pg_statio_user_tables", true}, {"pg_statio_all_tables", true}} {
		v := v
		def("pg_catalog", v.name, func(ctx *Context) ([]rec, error) { return tableStats(ctx, v.io), nil })
	}
}

// tableStats are the rows of pg_stat_*_tables (io false) or
// pg_statio_*_tables (io true): one per table and materialized view, as
// PostgreSQL has one per relkind r, m, t and p.
func tableStats(ctx *Context, io bool) []rec {
	if ctx.Cat == nil {
		return nil
	}
	hasIndex := map[uint32]bool{}
	for _, r := range ctx.Cat.Relations() {
		if r.Kind == catalog.KindIndex {
			hasIndex[r.IndexOn] = true
		}
	}
	var out []rec
	for _, r := range ctx.Cat.Relations() {
		if k := relkind(r); k != 'r' && k != 'm' {
			continue
		}
		x := rec{"relid": r.OID, "schemaname": r.Schema, "relname": r.Name}
		if io {
			// PostgreSQL leaves the index counters NULL for a table
			// without indexes, and the TOAST ones for a table without
			// TOAST; eddy has no TOAST.
			x["toast_blks_read"], x["toast_blks_hit"], x["tidx_blks_read"], x["tidx_blks_hit"] = nil, nil, nil, nil
			if !hasIndex[r.OID] && len(r.PrimaryKey) == 0 {
				x["idx_blks_read"], x["idx_blks_hit"] = nil, nil
			}
			out = append(out, x)
			continue
		}
		for _, c := range []string{"last_vacuum", "last_autovacuum", "last_analyze", "last_autoanalyze"} {
			x[c] = nil
		}
		if !hasIndex[r.OID] && len(r.PrimaryKey) == 0 {
			x["idx_scan"], x["idx_tup_fetch"] = nil, nil
		}
		if ctx.Stats != nil {
			if st, ok := ctx.Stats.Table(r); ok {
				x["seq_scan"], x["seq_tup_read"] = st.SeqScan, st.SeqTupRead
				if x["idx_scan"] != nil || st.IdxScan != 0 {
					x["idx_scan"], x["idx_tup_fetch"] = st.IdxScan, st.IdxTupFetch
				}
				x["n_tup_ins"], x["n_tup_upd"], x["n_tup_del"] = st.Ins, st.Upd, st.Del
				x["n_live_tup"], x["n_ins_since_vacuum"], x["n_mod_since_analyze"] = st.Live, st.Ins, st.Ins+st.Upd+st.Del
			}
		}
		out = append(out, x)
	}
	return out
}

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return sql.NewTimestampTZ(t.UnixMicro())
}

// roleOID is the OID of the role named user, as pg_roles shows it.
func roleOID(ctx *Context, user string) uint32 {
	if ctx.Cat != nil {
		if r := ctx.Cat.Role(user); r != nil {
			return r.OID
		}
	}
	return oidSuperuser
}
