package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestKill9Tables kills eddy with SIGKILL at seeded random moments while
// clients work on plain tables, and checks after every restart what
// PostgreSQL promises about each of them:
//
//   - COPY FROM: a COPY that returned is wholly there, one that a kill
//     cut off wholly there or wholly absent (never part of it), and no row
//     is there twice; a view over the table equals its query.
//   - Sequences: nextval never hands out a value twice, across any number
//     of kills (a serial column's values too, as a table's keys).
//   - CREATE INDEX, CREATE UNIQUE INDEX and DROP INDEX on a table that is
//     being written (single-row upserts and deletes, 200-row UPDATEs, which
//     commit whole or not at all): each index exists if its CREATE returned
//     and is gone if its DROP returned; a lookup through any index finds what
//     a scan finds. (eddy has no ALTER TABLE yet.)
//   - SUBSCRIBE to a view over the COPY table, running while kills come:
//     a subscriber never sees a COPY in part (each epoch is a commit),
//     never a row twice nor a retraction of what it did not see, and its
//     eddy_timestamp never goes backwards. A subscription ends with the
//     process; resubscribing after the restart starts again from a snapshot
//     of what committed (no AS OF resumption: DESIGN.md promises none), which
//     holds every COPY that returned before the kill.
//
// EDDY_CRASH_SEED replays a run, EDDY_CRASH_KILLS sets the number of kills.
func TestKill9Tables(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildEddy(t)
	seed, kills := crashSeedKills(t, 8)
	r := &tableRig{crashRig: newCrashRig(t, bin, false, seed), batches: map[int]int{},
		indexes: map[string]*ddlObj{}, ixRows: map[int]int{}}
	r.run(kills)
}

// ddlObj is an index or column as the DDL worker knows it.
type ddlObj struct {
	name   string
	unique bool
	// created: its CREATE (ADD) returned; dropping: a DROP began;
	// dropped: it returned.
	created, dropping, dropped bool
}

type tableRig struct {
	*crashRig
	mu sync.Mutex
	// batches are the COPYs that returned: batch -> rows. cutCopy is the
	// one a kill cut off (0 if none), of cutRows rows.
	batches          map[int]int
	cutCopy, cutRows int
	nextBatch        int
	// seqMax is the greatest value nextval returned; serials are the ids
	// the serial column handed out to INSERTs that returned.
	seqMax, seqCalls int64
	serials          map[int64]bool
	// ixRows is the table ix as committed (id -> a); ixCut is the
	// statement a kill cut off, which may or may not have committed.
	ixRows map[int]int
	ixCut  *[2]int
	// ixBulk is an UPDATE of ids lo..hi to a that a kill cut off.
	ixBulk   *[3]int
	indexes  map[string]*ddlObj
	nextDDL  int
	subStats struct{ subs, rows, snapshots int }
	// evNext is the next id to produce to ev; evAcked the ids whose INSERT
	// returned, evCut the ones a kill cut off (there or not).
	evNext  int
	evAcked map[int]bool
	evCut   map[int]bool
	// evSubRows counts the rows subscriptions to ev and evv saw.
	evSubRows int
}

func (r *tableRig) run(kills int) {
	t := r.t
	defer r.watchdog(crashWatchdog(kills)).Stop()
	r.serials = map[int64]bool{}
	r.evAcked, r.evCut = map[int]bool{}, map[int]bool{}
	r.setupTables()
	for i := range kills {
		r.cycleTables(i)
	}
	r.setStep("final check")
	r.start()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := r.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.check(ctx, c, true); err != nil {
		t.Fatal(err)
	}
	c.Close(ctx)
	r.stop()
	t.Logf("%d COPYs returned, %d nextval calls, %d subscriptions to cpv saw %d rows and %d snapshots; %d records produced, %d rows seen by subscriptions to ev and evv",
		len(r.batches), r.seqCalls, r.subStats.subs, r.subStats.rows, r.subStats.snapshots, len(r.evAcked), r.evSubRows)
}

func (r *tableRig) setupTables() {
	t := r.t
	r.start()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := r.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range []string{
		`CREATE TABLE cp (id BIGINT PRIMARY KEY, batch INT NOT NULL, v TEXT)`,
		`CREATE MATERIALIZED VIEW cpv AS SELECT batch, count(*) AS n, sum(id)::int8 AS ids FROM cp GROUP BY batch`,
		`CREATE SEQUENCE sq`,
		`CREATE TABLE ser (id BIGSERIAL PRIMARY KEY, w INT)`,
		`CREATE TABLE ix (id INT PRIMARY KEY, a INT, b TEXT)`,
		`INSERT INTO ix SELECT g, g % 97, 'b' || g FROM generate_series(1, 30000) g`,
		`CREATE SOURCE ev (id BIGINT, k INT) WITH (topic = 'ev', partitions = '2')`,
		`CREATE MATERIALIZED VIEW evv AS SELECT k, count(*) AS n, sum(id)::int8 AS ids FROM ev GROUP BY k`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for i := 1; i <= 30000; i++ {
		r.ixRows[i] = i % 97
	}
	r.stop()
}

// stop ends eddy gracefully.
func (r *tableRig) stop() {
	r.crashRig.stop()
}

func (r *tableRig) cycleTables(i int) {
	t := r.t
	killAfter := time.Duration(300+r.rng.IntN(2500)) * time.Millisecond
	seeds := [4]uint64{r.rng.Uint64(), r.rng.Uint64(), r.rng.Uint64(), r.rng.Uint64()}
	duringRecovery := r.rng.IntN(4) == 0
	r.setStep("cycle %d (kill after %s, from the start: %v)", i, killAfter, duringRecovery)
	r.start()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var killing atomic.Bool
	var errMu sync.Mutex
	var errs []error
	fail := func(what string, err error) {
		if err != nil && !killing.Load() {
			errMu.Lock()
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
			errMu.Unlock()
		}
	}
	checked := make(chan struct{})
	worker := func(name string, f func(ctx context.Context, c *pgx.Conn) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-checked:
			case <-ctx.Done():
				return
			}
			c, err := pgx.Connect(ctx, r.url())
			if err != nil {
				fail(name, err)
				return
			}
			defer c.Close(context.Background())
			fail(name, f(ctx, c))
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(checked)
		c, err := r.connect(ctx)
		if err != nil {
			fail("connect", err)
			return
		}
		defer c.Close(context.Background())
		fail("check after restart", r.check(ctx, c, false))
	}()
	worker("COPY", func(ctx context.Context, c *pgx.Conn) error { return r.copies(ctx, c, seeds[0]) })
	worker("nextval", r.nextvals)
	worker("DDL", func(ctx context.Context, c *pgx.Conn) error { return r.ddlTables(ctx, c, seeds[1]) })
	worker("SUBSCRIBE", r.subscribe)
	worker("INSERT INTO source", r.produceEv)
	worker("SUBSCRIBE source", r.subscribeEv)
	worker("SUBSCRIBE source view", r.subscribeEvv)
	// A quarter of the kills count from the start, and so some land in
	// the recovery; the others from the moment the workers begin.
	if !duringRecovery {
		select {
		case <-checked:
		case <-time.After(2 * time.Minute):
		}
	}
	time.Sleep(killAfter)
	killing.Store(true)
	r.kill()
	cancel()
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("cycle %d: %v", i, errors.Join(errs...))
	}
}

// copyRows is batch b's COPY data: rows of ids b*100000+j.
func copyRows(b, n int) string {
	var sb strings.Builder
	for j := range n {
		fmt.Fprintf(&sb, "%d\t%d\tv%d\n", b*100000+j, b, j)
	}
	return sb.String()
}

func (r *tableRig) copies(ctx context.Context, c *pgx.Conn, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 7))
	for ctx.Err() == nil {
		r.mu.Lock()
		r.nextBatch++
		b, n := r.nextBatch, 1+rng.IntN(4000)
		r.cutCopy, r.cutRows = b, n
		r.mu.Unlock()
		tag, err := c.PgConn().CopyFrom(ctx, strings.NewReader(copyRows(b, n)), `COPY cp (id, batch, v) FROM STDIN`)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != int64(n) {
			return fmt.Errorf("COPY of batch %d: %s, want %d rows", b, tag, n)
		}
		r.mu.Lock()
		r.batches[b] = n
		r.cutCopy = 0
		r.mu.Unlock()
	}
	return nil
}

func (r *tableRig) nextvals(ctx context.Context, c *pgx.Conn) error {
	for i := 0; ctx.Err() == nil; i++ {
		var v int64
		if i%2 == 0 {
			if err := c.QueryRow(ctx, `SELECT nextval('sq')`).Scan(&v); err != nil {
				return err
			}
			r.mu.Lock()
			prev := r.seqMax
			r.seqMax = max(v, r.seqMax)
			r.seqCalls++
			r.mu.Unlock()
			if v <= prev {
				return fmt.Errorf("nextval('sq') returned %d after %d", v, prev)
			}
			continue
		}
		if err := c.QueryRow(ctx, `INSERT INTO ser (w) VALUES ($1) RETURNING id`, i).Scan(&v); err != nil {
			return err
		}
		r.mu.Lock()
		dup := r.serials[v]
		r.serials[v] = true
		r.mu.Unlock()
		if dup {
			return fmt.Errorf("a serial column handed out %d twice", v)
		}
	}
	return nil
}

// ddlTables writes the table ix while it creates and drops indexes
// on it.
func (r *tableRig) ddlTables(ctx context.Context, c *pgx.Conn, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 9))
	exec := func(q string, before, after func()) error {
		r.mu.Lock()
		before()
		r.mu.Unlock()
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		r.mu.Lock()
		after()
		r.mu.Unlock()
		return nil
	}
	live := func(m map[string]*ddlObj) []*ddlObj {
		r.mu.Lock()
		defer r.mu.Unlock()
		var out []*ddlObj
		for _, o := range m {
			if o.created && !o.dropping {
				out = append(out, o)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
		return out
	}
	for ctx.Err() == nil {
		switch k := rng.IntN(10); {
		case k < 4: // DML
			id, a := 1+rng.IntN(31000), rng.IntN(97)
			q := fmt.Sprintf(`INSERT INTO ix (id, a, b) VALUES (%d, %d, 'x') ON CONFLICT (id) DO UPDATE SET a = excluded.a`, id, a)
			if rng.IntN(3) == 0 {
				q = fmt.Sprintf(`DELETE FROM ix WHERE id = %d`, id)
				a = -1
			}
			if err := exec(q, func() { r.ixCut = &[2]int{id, a} }, func() {
				if a < 0 {
					delete(r.ixRows, id)
				} else {
					r.ixRows[id] = a
				}
				r.ixCut = nil
			}); err != nil {
				return err
			}
		case k < 6:
			if ix := live(r.indexes); len(ix) > 0 && (len(ix) > 3 || rng.IntN(2) == 0) {
				o := ix[rng.IntN(len(ix))]
				if err := exec(`DROP INDEX `+o.name, func() { o.dropping = true }, func() { o.dropped = true }); err != nil {
					return err
				}
				continue
			}
			r.mu.Lock()
			r.nextDDL++
			o := &ddlObj{name: fmt.Sprintf("ix_%d", r.nextDDL), unique: rng.IntN(3) == 0}
			r.mu.Unlock()
			q := fmt.Sprintf(`CREATE INDEX %s ON ix (a, b)`, o.name)
			if o.unique {
				q = fmt.Sprintf(`CREATE UNIQUE INDEX %s ON ix (b, id)`, o.name)
			}
			if err := exec(q, func() { r.indexes[o.name] = o }, func() { o.created = true }); err != nil {
				return err
			}
		default:
			// TRUNCATE-free bulk change: a range of rows moves to one a,
			// through the indexes that exist.
			lo, a := 1+rng.IntN(30000), rng.IntN(97)
			q := fmt.Sprintf(`UPDATE ix SET a = %d WHERE id BETWEEN %d AND %d`, a, lo, lo+200)
			if err := exec(q, func() { r.ixCut = nil; r.ixBulk = &[3]int{lo, lo + 200, a} }, func() {
				for id := lo; id <= lo+200; id++ {
					if _, ok := r.ixRows[id]; ok {
						r.ixRows[id] = a
					}
				}
				r.ixBulk = nil
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// subscribe follows the view over the COPY table until the kill, keeping
// the view's contents as the changes build them, and checks each epoch.
func (r *tableRig) subscribe(ctx context.Context, c *pgx.Conn) error {
	r.mu.Lock()
	r.subStats.subs++
	// What returned before the subscription started must be in its snapshot.
	before := map[int]int{}
	for b, n := range r.batches {
		before[b] = n
	}
	r.mu.Unlock()
	rs, err := c.Query(ctx, `SUBSCRIBE cpv WITH (progress = true)`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	defer rs.Close()
	state := map[int][2]int64{} // batch -> n, ids
	var lastTS, epochTS int64 = 0, -1
	snapshot := true
	// settle checks the view as the changes up to an epoch left it.
	settle := func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		for b, s := range state {
			n := int64(r.rowsOf(b))
			if n < 0 {
				return fmt.Errorf("SUBSCRIBE shows batch %d, never sent", b)
			}
			if s[0] != n {
				return fmt.Errorf("SUBSCRIBE shows %d rows of batch %d at %d, whose COPY had %d (a COPY seen in part, or twice)", s[0], b, epochTS, n)
			}
			if want := int64(n)*int64(b)*100000 + int64(n)*int64(n-1)/2; s[1] != want {
				return fmt.Errorf("SUBSCRIBE shows ids summing to %d for batch %d, want %d", s[1], b, want)
			}
		}
		if snapshot {
			r.subStats.snapshots++
			for b, n := range before {
				if _, ok := state[b]; !ok {
					return fmt.Errorf("the snapshot of a subscription lacks batch %d (%d rows), whose COPY returned before it began", b, n)
				}
			}
		}
		return nil
	}
	for rs.Next() {
		var ts int64
		var diff, batch, n, ids *int64
		if err := rs.Scan(&ts, &diff, &batch, &n, &ids); err != nil {
			return err
		}
		if ts < lastTS {
			return fmt.Errorf("eddy_timestamp went back from %d to %d", lastTS, ts)
		}
		if ts != epochTS && epochTS >= 0 {
			if err := settle(); err != nil {
				return err
			}
			snapshot = false
		}
		lastTS, epochTS = ts, ts
		if diff == nil {
			continue
		}
		r.mu.Lock()
		r.subStats.rows++
		r.mu.Unlock()
		b := int(*batch)
		s, ok := state[b]
		switch {
		case *diff == 1 && ok:
			return fmt.Errorf("SUBSCRIBE inserted batch %d's row while it held one", b)
		case *diff == 1:
			state[b] = [2]int64{*n, *ids}
		case *diff == -1 && (!ok || s != [2]int64{*n, *ids}):
			return fmt.Errorf("SUBSCRIBE retracted batch %d (%d, %d), which it held as %v", b, *n, *ids, s)
		case *diff == -1:
			delete(state, b)
		default:
			return fmt.Errorf("SUBSCRIBE diff %d", *diff)
		}
	}
	return rs.Err()
}

// rowsOf is batch b's size if its COPY returned or is the one in flight,
// -1 if it was never sent. r.mu must be held.
func (r *tableRig) rowsOf(b int) int {
	if n, ok := r.batches[b]; ok {
		return n
	}
	if b == r.cutCopy {
		return r.cutRows
	}
	return -1
}

// check compares what the restarted eddy holds with what the clients
// were told. final: the last check, which also compares views and index
// lookups with scans everywhere.
func (r *tableRig) check(ctx context.Context, c *pgx.Conn, final bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	// COPY: whole batches only.
	rows, err := c.Query(ctx, `SELECT batch, count(*), count(DISTINCT id), sum(id)::int8 FROM cp GROUP BY batch ORDER BY batch`)
	if err != nil {
		return err
	}
	got := map[int]int{}
	for rows.Next() {
		var b, n, d int
		var sum int64
		if err := rows.Scan(&b, &n, &d, &sum); err != nil {
			return err
		}
		if n != d {
			return fmt.Errorf("batch %d holds %d rows but %d ids", b, n, d)
		}
		got[b] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for b, n := range r.batches {
		if got[b] != n {
			return fmt.Errorf("COPY of batch %d returned %d rows; after a kill the table holds %d of them", b, n, got[b])
		}
	}
	for b, n := range got {
		if _, ok := r.batches[b]; ok {
			continue
		}
		if b != r.cutCopy {
			return fmt.Errorf("the table holds batch %d, whose COPY never ran", b)
		}
		if n != r.cutRows {
			return fmt.Errorf("a kill cut off the COPY of batch %d (%d rows) and left %d of its rows", b, r.cutRows, n)
		}
		r.batches[b] = n // it committed: from now on it must stay
	}
	r.cutCopy = 0
	// The view over it.
	if err := viewEquals(ctx, c, `cpv`, `SELECT batch, count(*) AS n, sum(id)::int8 AS ids FROM cp GROUP BY batch`); err != nil {
		return err
	}
	// Every record whose INSERT returned is in the topic, once; the view
	// over it equals its query.
	evIDs := map[int]int{}
	evRows, err := crashQueryStrings(ctx, c, `SELECT id FROM ev`)
	if err != nil {
		return err
	}
	for _, v := range evRows {
		id, _ := strconv.Atoi(v)
		evIDs[id]++
	}
	for id := range r.evAcked {
		if evIDs[id] != 1 {
			return fmt.Errorf("record %d of ev, whose INSERT returned, is in the topic %d times", id, evIDs[id])
		}
	}
	for id, n := range evIDs {
		if !r.evAcked[id] && !r.evCut[id] {
			return fmt.Errorf("record %d is in ev, never produced", id)
		}
		if n != 1 {
			return fmt.Errorf("record %d is in ev %d times", id, n)
		}
	}
	for id := range r.evCut {
		if evIDs[id] == 1 {
			r.evAcked[id] = true
		}
	}
	r.evCut = map[int]bool{}
	if err := viewEquals(ctx, c, `evv`, `SELECT k, count(*) AS n, sum(id)::int8 AS ids FROM ev GROUP BY k`); err != nil {
		return err
	}
	// Serial ids that returned are there.
	var nser int
	if err := c.QueryRow(ctx, `SELECT count(*) FROM ser`).Scan(&nser); err != nil {
		return err
	}
	if nser < len(r.serials) {
		return fmt.Errorf("ser holds %d rows, %d INSERTs returned", nser, len(r.serials))
	}
	// ix: rows and indexes.
	if err := r.checkIx(ctx, c, final); err != nil {
		return err
	}
	return nil
}

func (r *tableRig) checkIx(ctx context.Context, c *pgx.Conn, final bool) error {
	rows, err := c.Query(ctx, `SELECT id, a FROM ix`)
	if err != nil {
		return err
	}
	got := map[int]int{}
	for rows.Next() {
		var id, a int
		if err := rows.Scan(&id, &a); err != nil {
			return err
		}
		got[id] = a
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cut := r.ixCut; cut != nil {
		// The statement a kill cut off: take what it left as committed.
		if a, ok := got[cut[0]]; ok {
			r.ixRows[cut[0]] = a
		} else {
			delete(r.ixRows, cut[0])
		}
		r.ixCut = nil
	}
	if u := r.ixBulk; u != nil {
		// All of its rows or none.
		var moved, stayed int
		for id := u[0]; id <= u[1]; id++ {
			if a, ok := r.ixRows[id]; ok && a != u[2] {
				if got[id] == u[2] {
					moved++
				} else {
					stayed++
				}
			}
		}
		if moved > 0 && stayed > 0 {
			return fmt.Errorf("a kill cut off UPDATE ix SET a = %d WHERE id BETWEEN %d AND %d and left %d rows changed, %d not", u[2], u[0], u[1], moved, stayed)
		}
		if moved > 0 {
			for id := u[0]; id <= u[1]; id++ {
				if _, ok := r.ixRows[id]; ok {
					r.ixRows[id] = u[2]
				}
			}
		}
		r.ixBulk = nil
	}
	if len(got) != len(r.ixRows) {
		return fmt.Errorf("ix holds %d rows, want %d", len(got), len(r.ixRows))
	}
	for id, a := range r.ixRows {
		if g, ok := got[id]; !ok || g != a {
			return fmt.Errorf("ix row %d: a = %d (there: %v), want %d", id, g, ok, a)
		}
	}
	exist := map[string]bool{}
	names, err := crashQueryStrings(ctx, c, `SELECT indexname FROM pg_indexes WHERE tablename = 'ix'`)
	if err != nil {
		return err
	}
	for _, n := range names {
		exist[n] = true
	}
	for _, m := range []map[string]*ddlObj{r.indexes} {
		for name, o := range m {
			switch {
			case o.dropped && exist[name]:
				return fmt.Errorf("%s exists after its DROP returned", name)
			case o.created && !o.dropping && !exist[name]:
				return fmt.Errorf("%s was created (its statement returned) and is gone after a kill", name)
			}
			// Settle what a kill cut off, as the restarted eddy has it.
			if exist[name] {
				o.created, o.dropping, o.dropped = true, false, false
			} else {
				delete(m, name)
			}
		}
	}
	// Lookups through the indexes find what a scan finds.
	for a := range 97 {
		if !final && a%13 != 0 {
			continue
		}
		var byIndex, byScan int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM ix WHERE a = $1`, a).Scan(&byIndex); err != nil {
			return err
		}
		if err := c.QueryRow(ctx, `SELECT count(*) FROM ix WHERE a + 0 = $1`, a).Scan(&byScan); err != nil {
			return err
		}
		if byIndex != byScan {
			return fmt.Errorf("ix WHERE a = %d: %d rows, a scan finds %d", a, byIndex, byScan)
		}
	}
	for _, id := range []int{1, 17, 5000, 29999} {
		var byIndex, byScan int
		b := "b" + strconv.Itoa(id)
		if err := c.QueryRow(ctx, `SELECT count(*) FROM ix WHERE b = $1 AND id = $2`, b, id).Scan(&byIndex); err != nil {
			return err
		}
		if err := c.QueryRow(ctx, `SELECT count(*) FROM ix WHERE b || '' = $1 AND id + 0 = $2`, b, id).Scan(&byScan); err != nil {
			return err
		}
		if byIndex != byScan {
			return fmt.Errorf("ix WHERE b = %q AND id = %d: %d rows, a scan finds %d", b, id, byIndex, byScan)
		}
	}
	return nil
}

// viewEquals checks, waiting a while for the view to catch up, that view
// holds what batch returns.
func viewEquals(ctx context.Context, c *pgx.Conn, view, batch string) error {
	q := fmt.Sprintf(`SELECT (SELECT count(*) FROM ((SELECT * FROM %[1]s EXCEPT ALL (%[2]s)) UNION ALL ((%[2]s) EXCEPT ALL SELECT * FROM %[1]s)) d)`, view, batch)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var diff int
		if err := c.QueryRow(ctx, q).Scan(&diff); err != nil {
			return fmt.Errorf("compare %s with its query: %w", view, err)
		}
		if diff == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("view %s differs from its query in %d rows", view, diff)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// produceEv inserts records into the source ev, a few at a time.
func (r *tableRig) produceEv(ctx context.Context, c *pgx.Conn) error {
	for ctx.Err() == nil {
		r.mu.Lock()
		from := r.evNext
		r.evNext += 5
		for id := from; id < from+5; id++ {
			r.evCut[id] = true
		}
		r.mu.Unlock()
		var vals []string
		for id := from; id < from+5; id++ {
			vals = append(vals, fmt.Sprintf("(%d, %d)", id, id%7))
		}
		if _, err := c.Exec(ctx, `INSERT INTO ev VALUES `+strings.Join(vals, ", ")); err != nil {
			return err
		}
		r.mu.Lock()
		for id := from; id < from+5; id++ {
			delete(r.evCut, id)
			r.evAcked[id] = true
		}
		r.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// subscribeEv follows the source ev until the kill: its snapshot holds
// every record acknowledged before it began, and no record comes twice.
func (r *tableRig) subscribeEv(ctx context.Context, c *pgx.Conn) error {
	r.mu.Lock()
	before := make(map[int]bool, len(r.evAcked))
	for id := range r.evAcked {
		before[id] = true
	}
	r.mu.Unlock()
	rs, err := c.Query(ctx, `SUBSCRIBE ev WITH (progress = true)`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	defer rs.Close()
	seen := map[int]bool{}
	var lastTS int64
	snapshotTS := int64(-1)
	for rs.Next() {
		var ts int64
		var diff, id, k *int64
		if err := rs.Scan(&ts, &diff, &id, &k); err != nil {
			return err
		}
		if ts < lastTS {
			return fmt.Errorf("SUBSCRIBE ev: eddy_timestamp went back from %d to %d", lastTS, ts)
		}
		lastTS = ts
		if snapshotTS < 0 {
			snapshotTS = ts
		}
		if ts != snapshotTS && before != nil {
			for id := range before {
				if !seen[id] {
					return fmt.Errorf("SUBSCRIBE ev: the snapshot lacks record %d, acknowledged before it began", id)
				}
			}
			before = nil
		}
		if diff == nil {
			continue
		}
		if *diff != 1 {
			return fmt.Errorf("SUBSCRIBE ev: diff %d", *diff)
		}
		if seen[int(*id)] {
			return fmt.Errorf("SUBSCRIBE ev: record %d twice", *id)
		}
		seen[int(*id)] = true
		r.mu.Lock()
		r.evSubRows++
		known := r.evAcked[int(*id)] || r.evCut[int(*id)]
		r.mu.Unlock()
		if !known {
			return fmt.Errorf("SUBSCRIBE ev: record %d, never produced", *id)
		}
	}
	return rs.Err()
}

// subscribeEvv follows the view over ev until the kill: the changes never
// insert a group it holds or retract one it does not hold as retracted,
// and at each epoch each group's count and sum agree with the records
// that exist.
func (r *tableRig) subscribeEvv(ctx context.Context, c *pgx.Conn) error {
	rs, err := c.Query(ctx, `SUBSCRIBE evv WITH (progress = true)`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	defer rs.Close()
	state := map[int64][2]int64{}
	var lastTS int64
	for rs.Next() {
		var ts int64
		var diff, k, n, ids *int64
		if err := rs.Scan(&ts, &diff, &k, &n, &ids); err != nil {
			return err
		}
		if ts < lastTS {
			return fmt.Errorf("SUBSCRIBE evv: eddy_timestamp went back from %d to %d", lastTS, ts)
		}
		lastTS = ts
		if diff == nil {
			continue
		}
		r.mu.Lock()
		r.evSubRows++
		r.mu.Unlock()
		s, ok := state[*k]
		switch {
		case *diff == 1 && ok:
			return fmt.Errorf("SUBSCRIBE evv inserted group %d (%d, %d) while it held (%d, %d)", *k, *n, *ids, s[0], s[1])
		case *diff == 1:
			state[*k] = [2]int64{*n, *ids}
		case *diff == -1 && (!ok || s != [2]int64{*n, *ids}):
			return fmt.Errorf("SUBSCRIBE evv retracted group %d (%d, %d), which it held as %v", *k, *n, *ids, s)
		case *diff == -1:
			delete(state, *k)
		default:
			return fmt.Errorf("SUBSCRIBE evv: diff %d", *diff)
		}
	}
	return rs.Err()
}

// crashQueryStrings returns the first column of q's rows as text; unlike
// queryRows it returns an error (a kill may cut the query off in a
// worker goroutine, where t.Fatal cannot be called).
func crashQueryStrings(ctx context.Context, c *pgx.Conn, q string) ([]string, error) {
	rows, err := c.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprint(vals[0]))
	}
	return out, rows.Err()
}
