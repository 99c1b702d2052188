package pgcatalog

import (
	"sort"
	"strings"
	"sync"

	"github.com/eddysql/eddy/catalog"
)

// regproc values are pg_proc OIDs, as in PostgreSQL, so that drivers can
// join pg_type's I/O functions to pg_proc: Npgsql and other drivers tell
// arrays by typreceive's proname being array_recv
// (LEFT JOIN pg_proc ON pg_proc.oid = pg_type.typreceive), pgjdbc by
// typinput = 'array_in'::regproc. The I/O functions named in pg_type get
// pg_proc rows of their own, with OIDs synthIOProcBase + their position
// in name order, so they are the same in every session of a build.
const synthIOProcBase uint32 = 0x68000000

const (
	oidCstring  uint32 = 2275
	oidInternal uint32 = 2281
	oidBytea    uint32 = 17
	oidAnyArray uint32 = 2277
)

// ioProc is the pg_proc row of a type's input, output, receive or send
// function.
type ioProc struct {
	Name string
	Arg  uint32
	Ret  uint32
}

var (
	ioOnce  sync.Once
	ioList  []ioProc
	ioIndex map[string]int
)

func ioProcs() []ioProc {
	ioOnce.Do(func() {
		byName := map[string]ioProc{}
		add := func(name string, arg, ret uint32) {
			if name == "-" || name == "" {
				return
			}
			if _, ok := byName[name]; !ok {
				byName[name] = ioProc{Name: name, Arg: arg, Ret: ret}
			}
		}
		for _, t := range typeList {
			self := t.OID
			if t.Category == 'A' {
				self = oidAnyArray // array_in and array_recv serve every array type
			}
			add(t.Input, oidCstring, self)
			add(t.Output, self, oidCstring)
			add(t.Recv, oidInternal, self)
			add(t.Send, self, oidBytea)
		}
		ioIndex = map[string]int{}
		for name := range byName {
			ioList = append(ioList, byName[name])
		}
		sort.Slice(ioList, func(i, j int) bool { return ioList[i].Name < ioList[j].Name })
		for i, p := range ioList {
			ioIndex[p.Name] = i
		}
	})
	return ioList
}

// ioProcOID is the OID of a type I/O function by name, 0 for "-".
func ioProcOID(name string) uint32 {
	ioProcs()
	if i, ok := ioIndex[name]; ok {
		return synthIOProcBase + uint32(i)
	}
	return 0
}

func ioProcRecs() []rec {
	ps := ioProcs()
	out := make([]rec, 0, len(ps))
	for i, p := range ps {
		out = append(out, rec{
			"oid": synthIOProcBase + uint32(i), "proname": p.Name, "pronamespace": OIDPgCatalog,
			"proowner": oidSuperuser, "prolang": oidLanguageIntern, "procost": float64(1), "prorows": float64(0),
			"provariadic": uint32(0), "prosupport": "-", "prokind": "f", "prosecdef": false,
			"proleakproof": false, "proisstrict": true, "proretset": false, "provolatile": "i",
			"proparallel": "s", "pronargs": 1, "pronargdefaults": 0, "prorettype": p.Ret,
			"proargtypes": []uint32{p.Arg}, "prosrc": p.Name,
		})
	}
	return out
}

// ProcName is regproc's output: the name of the pg_proc row oid.
func ProcName(cat *catalog.Catalog, oid uint32) (string, bool) {
	if ps := ioProcs(); oid >= synthIOProcBase && oid < synthIOProcBase+uint32(len(ps)) {
		return ps[oid-synthIOProcBase].Name, true
	}
	if ps := procs(); oid >= synthProcBase && oid < synthProcBase+uint32(len(ps)) {
		return ps[oid-synthProcBase].Name, true
	}
	if cat != nil {
		if f := cat.FunctionByOID(oid); f != nil {
			return f.Name, true
		}
	}
	return "", false
}

// ProcOID is regproc's input: the pg_proc row named name (optionally
// qualified). found is how many rows have that name; the OID is only
// meaningful when it is 1, as PostgreSQL refuses an ambiguous name.
func ProcOID(cat *catalog.Catalog, name string) (oid uint32, found int) {
	schema, fn := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		schema, fn = name[:i], name[i+1:]
	}
	if schema == "" || schema == "pg_catalog" {
		if o := ioProcOID(fn); o != 0 {
			return o, 1
		}
		for i, p := range procs() {
			if p.Name == fn {
				if found == 0 {
					oid = synthProcBase + uint32(i)
				}
				found++
			}
		}
	}
	if cat != nil && schema != "pg_catalog" {
		for _, f := range cat.Functions() {
			if f.Name == fn && (schema == "" || schema == f.Schema) {
				if found == 0 {
					oid = f.OID
				}
				found++
			}
		}
	}
	return oid, found
}
