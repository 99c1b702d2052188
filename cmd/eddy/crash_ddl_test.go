package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"sync"

	"github.com/dgraph-io/badger/v4"
	"github.com/jackc/pgx/v5"

	"github.com/eddysql/eddy/catalog"
)

// DDL under kills. In half the cycles of TestKill9Views a worker runs DDL
// until the kill: it drops some of the views and sinks it created before,
// creates a view (over the bid source, or over the table big, whose load
// takes several epochs) and sometimes a sink from it, again and again, so
// that the kill lands in one of them.
// After the last restart, each object exists if its CREATE returned and no
// DROP of it began, is gone if its DROP returned, and may be either way
// if a kill cut its statement off; every view equals its query, every
// sink its view; and no data is left in Badger that no object owns.

// crashBigRows is the size of the table big.
const crashBigRows = 150000

// crashMaxExtraViews bounds the views the DDL keeps: beyond it, it drops
// one before it creates one.
const crashMaxExtraViews = 5

// extraViewDefs are the queries of the views DDL creates, with the
// columns and key of their rows in an upsert sink.
var extraViewDefs = []struct {
	def       string
	cols, key []string
}{
	{`SELECT auction, bidder, count(*) AS n, min(price) AS low FROM bid GROUP BY auction, bidder`,
		[]string{"auction", "bidder", "n", "low"}, []string{"auction", "bidder"}},
	{`SELECT g, count(*) AS n, sum(v)::int8 AS total FROM big GROUP BY g`,
		[]string{"g", "n", "total"}, []string{"g"}},
}

// extraObject is a view or sink that DDL created, as the test knows it.
type extraObject struct {
	name string
	def  int    // index in extraViewDefs (of the view, or the sink's view)
	view string // a sink's view; "" for a view
	// created: its CREATE returned. dropping: a DROP of it (or CASCADE
	// from its view) began; dropped: it returned.
	created, dropping, dropped bool
}

// ddl runs cycle i's DDL until the kill. mu guards r.extras against
// the test's other goroutines.
func (r *crashRig) ddl(ctx context.Context, i int, seed uint64, mu *sync.Mutex) error {
	rng := rand.New(rand.NewPCG(seed, 3))
	c, err := pgx.Connect(ctx, r.url())
	if err != nil {
		return nil // killed
	}
	defer c.Close(context.Background())
	// exec runs one statement; objs are what it creates (create) or
	// drops. Only an error that is not the kill's fails the cycle: the
	// caller drops errors from the moment of the kill on.
	exec := func(q string, create bool, objs ...*extraObject) (bool, error) {
		mu.Lock()
		for _, o := range objs {
			if create {
				r.extras[o.name] = o
			} else {
				o.dropping = true
			}
		}
		mu.Unlock()
		if _, err := c.Exec(ctx, q); err != nil {
			if ctx.Err() != nil || c.IsClosed() {
				return false, nil
			}
			return false, fmt.Errorf("%s: %w", q, err)
		}
		mu.Lock()
		for _, o := range objs {
			if create {
				o.created = true
			} else {
				o.dropped = true
			}
		}
		mu.Unlock()
		return true, nil
	}
	// live lists the objects that surely exist, views or sinks.
	live := func(sinks bool) []*extraObject {
		mu.Lock()
		defer mu.Unlock()
		var out []*extraObject
		for _, o := range r.extras {
			if o.created && !o.dropping && (o.view != "") == sinks {
				out = append(out, o)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
		return out
	}
	for round := 0; ctx.Err() == nil && !c.IsClosed(); round++ {
		if err := r.ddlRound(fmt.Sprintf("extra_%d_%d", i, round), rng, exec, live, mu); err != nil {
			return err
		}
	}
	return nil
}

// ddlRound drops a view or a sink of earlier rounds (sometimes, or when
// there are many), creates view name and sometimes a sink from it.
func (r *crashRig) ddlRound(name string, rng *rand.Rand, exec func(string, bool, ...*extraObject) (bool, error),
	live func(bool) []*extraObject, mu *sync.Mutex) error {
	if vs := live(false); len(vs) >= crashMaxExtraViews || (len(vs) > 0 && rng.IntN(3) == 0) {
		v := vs[rng.IntN(len(vs))]
		objs := []*extraObject{v}
		mu.Lock()
		for _, o := range r.extras {
			if o.view == v.name {
				objs = append(objs, o)
			}
		}
		mu.Unlock()
		if _, err := exec(`DROP MATERIALIZED VIEW `+v.name+` CASCADE`, false, objs...); err != nil {
			return err
		}
	}
	if ss := live(true); len(ss) > 0 && rng.IntN(4) == 0 {
		s := ss[rng.IntN(len(ss))]
		if _, err := exec(`DROP SINK `+s.name, false, s); err != nil {
			return err
		}
	}
	v := &extraObject{name: name, def: rng.IntN(len(extraViewDefs))}
	if ok, err := exec(`CREATE MATERIALIZED VIEW `+v.name+` AS `+extraViewDefs[v.def].def, true, v); !ok {
		return err
	}
	if rng.IntN(3) == 0 {
		s := &extraObject{name: v.name + "_sink", def: v.def, view: v.name}
		q := fmt.Sprintf(`CREATE SINK %s FROM %s WITH (topic = '%s', envelope = 'upsert')`, s.name, v.name, s.name)
		if _, err := exec(q, true, s); err != nil {
			return err
		}
	}
	return nil
}

// checkExtras checks which of the DDL's views and sinks exist, and that
// the views equal their queries.
func (r *crashRig) checkExtras(ctx context.Context, c *pgx.Conn) {
	t := r.t
	exist := map[string]bool{}
	for _, q := range []string{`SHOW MATERIALIZED VIEWS`, `SHOW SINKS`} {
		for _, name := range queryRows(t, c, q) {
			exist[name] = true
		}
	}
	var created, cut, survived, dropCut int
	for _, o := range r.extras {
		if o.dropping && !o.dropped {
			dropCut++
		}
		switch {
		case o.dropped && exist[o.name]:
			t.Errorf("%s exists after its DROP returned", o.name)
		case o.created && !o.dropping && !exist[o.name]:
			t.Errorf("%s was created (CREATE returned) and is gone after a kill", o.name)
		}
		if o.created {
			created++
		} else {
			cut++
			if exist[o.name] {
				survived++
			}
		}
	}
	for name := range exist {
		if len(name) > 6 && name[:6] == "extra_" && r.extras[name] == nil {
			t.Errorf("%s exists, never created", name)
		}
	}
	for _, o := range r.extras {
		if o.view == "" && exist[o.name] {
			r.waitEqual(ctx, c, o.name, extraViewDefs[o.def].def)
		}
	}
	t.Logf("DDL under kills: %d objects created, %d CREATEs cut off by a kill (%d of those exist), %d DROPs cut off", created, cut, survived, dropCut)
}

// checkExtraSinks checks that the DDL's sinks that exist hold their views.
func (r *crashRig) checkExtraSinks(ctx context.Context, c *pgx.Conn) {
	exist := map[string]bool{}
	for _, name := range queryRows(r.t, c, `SHOW SINKS`) {
		exist[name] = true
	}
	for _, o := range r.extras {
		if o.view != "" && exist[o.name] {
			d := extraViewDefs[o.def]
			r.checkUpsert(ctx, c, o.name, o.view, d.cols, d.key)
		}
	}
}

// checkOrphans opens the data dir of the stopped eddy and checks that no
// data is left that no object owns: what a kill in the middle of DDL left
// was deleted at the restart.
func (r *crashRig) checkOrphans() {
	t := r.t
	db, err := badger.Open(badger.DefaultOptions(r.dir).WithLogger(nil))
	if err != nil {
		t.Fatalf("open the data dir: %v", err)
	}
	defer db.Close()
	cat, err := catalog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	orphans, err := cat.Orphans()
	if err != nil {
		t.Fatal(err)
	}
	if len(orphans) > 0 {
		t.Errorf("data that no object owns is left under %x", orphans)
	}
	log, _ := os.ReadFile(r.logPath)
	t.Logf("restarts that deleted what a kill mid-DDL left: %d", bytes.Count(log, []byte("left half created or half dropped")))
}
