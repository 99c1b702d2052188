package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/eddysql/eddy/cmd/internal/nexmark"
)

// TestKill9Nexmark runs every Nexmark query as a materialized view, with
// sinks of some of them and of queries of their own, while it kills eddy
// with SIGKILL at seeded random moments and restarts it over the same
// data dir. It reaches the state layouts TestKill9Views does not: the join
// blocks and caches of q3/q4/q7/q8/q9/q20, TopN's keyed rows (q9, q18,
// q19), the incremental window functions of q11, HOP windows (q5) whose
// groups close, shared count(DISTINCT) entries (q15, q16), source filter
// pushdown (q2, q14, q21, q20) whose dropped records still move offsets
// and the watermark, and the pipelined commits of append-only views (q0,
// q1, q2, q14, q21, q22).
//
// Each cycle starts eddy and, while a burst of events arrives, does one
// thing and is killed in the middle of it or right after it: creating the
// views that do not exist (whose first epochs load the topics' backlog),
// dropping views, sinks or a source and creating them again, transactions
// on a plain table with an index, or nothing (the views tail the topics);
// some kills wait for Badger to write a new table file (a memtable flush or
// a compaction), some land in the recovery. After each restart every
// object whose CREATE returned exists and none whose DROP returned, and the
// table holds exactly the committed transactions. After the last restart
// every view equals its query run in batch, each EMIT ON WINDOW CLOSE view
// the batch query's windows that the watermark closed, and every sink's
// topic, read with read_committed, holds exactly its relation's changes.
//
// In two runs of three the broker outlives eddy (it runs in the test
// process), so that the events are produced exactly once whatever the
// kills hit and what is on trial is eddy's state; in the others it is
// eddy's embedded broker, which dies with eddy and restarts from its log,
// and each burst is produced before the kill's moment. The state cache is
// the smallest (128 MiB), so that Badger's transactions are small (epochs
// split) and its compactions frequent.
//
// EDDY_CRASH_SEED replays a seed, EDDY_CRASH_KILLS changes the number of
// kills (10, 4 with -short); EDDY_BUILD_FLAGS=-race runs eddy under the
// race detector.
func TestKill9Nexmark(t *testing.T) {
	bin := buildEddy(t)
	kills, events := 10, int64(24_000)
	if testing.Short() {
		kills, events = 4, 8_000
	}
	seed, kills := crashSeedKills(t, kills)
	t.Logf("%d events", events)
	// Most runs have a broker that outlives eddy; the others eddy's
	// embedded one, which dies with it and comes back from its log.
	external := rand.New(rand.NewPCG(seed, 9)).IntN(3) != 0
	t.Logf("broker: external %v", external)
	r := newCrashRig(t, bin, external, seed)
	// The smallest state cache: 4 MiB memtables and 2 MiB tables, so that
	// Badger flushes and compacts often enough for kills to hit it.
	r.args = []string{"--state-cache", "128MiB"}
	n := newNexRig(r, events)
	n.run(kills)
}

// The events come in one of two shapes, drawn from the seed. With one
// partition per topic, they span nexEventSpan of event time: the windows
// of q5, q7 and q8 (10 s) close well before the end, and since each topic
// is in event time order no record is ever late. With two, they come at
// the generator's default rate (10,000 a second) and span less than the
// watermark's delay (4 s): however the feeds interleave the partitions no
// record is late, and no window closes.
const nexEventSpan = 60 * time.Second

// nexState is what the test knows of an object's existence.
type nexState int

const (
	nexAbsent   nexState = iota
	nexCreating          // its CREATE began and did not return
	nexPresent           // its CREATE returned, and no DROP began
	nexDropping          // a DROP of it (or of what it reads, CASCADE) began and did not return
)

// nexObj is a source, view or sink the test creates and drops.
type nexObj struct {
	kind   string // "source", "view", "sink"
	name   string
	parent string // the object it reads, which a DROP ... CASCADE takes along
	create func(inc int) string
	// batch is a view's query, or a sink's relation, to run in batch;
	// check compares the final state with it.
	batch string
	// envelope and key of a sink.
	envelope string
	key      []string
	// droppable: cycles may drop it (the base sources are never dropped).
	droppable bool

	state nexState
	// inc counts the CREATEs; a sink writes to topic name_inc, so that
	// each incarnation has a topic of its own.
	inc int
}

func (o *nexObj) topic() string { return fmt.Sprintf("%s_%d", o.name, o.inc) }

type nexRig struct {
	*crashRig
	events, produced int64
	counts           nexmark.Counts // events produced, by kind
	eventRate        float64
	partitions       int32
	objs             []*nexObj // in creation order: sources, views, sinks
	byName           map[string]*nexObj
	mu               sync.Mutex // guards objs' states, acct and the stats

	// acct is the table as committed: id -> [owner, bal]; acctTxn is the
	// transaction a kill cut off, whose rows hold either their before or
	// their after values, all of them the one or the other.
	acct    map[int][2]int
	acctTxn *acctChange

	kills map[string]int // by what the kill hit
	stats struct{ creates, drops, txns, cutCreates, cutDrops, cutTxns int }
}

type acctChange struct {
	sql           []string
	before, after map[int]*[2]int // nil: absent
}

// nexAcctRows is the plain table's initial size.
const nexAcctRows = 40

func newNexRig(r *crashRig, events int64) *nexRig {
	n := &nexRig{crashRig: r, events: events, eventRate: float64(events) / nexEventSpan.Seconds(), partitions: 1,
		byName: map[string]*nexObj{}, acct: map[int][2]int{}, kills: map[string]int{}}
	if r.rng.IntN(3) == 0 {
		n.partitions, n.eventRate = 2, 10_000
		if span := time.Duration(float64(events) / n.eventRate * float64(time.Second)); span >= 4*time.Second {
			r.t.Fatalf("%d events at %v a second span %s, more than the watermark's delay", events, n.eventRate, span)
		}
	}
	r.t.Logf("%d partitions per topic, %.0f events per second of event time", n.partitions, n.eventRate)
	srcs, err := nexmark.LoadSources(nexmarkDir)
	if err != nil {
		r.t.Fatal(err)
	}
	queries, err := nexmark.LoadQueries(nexmarkDir)
	if err != nil {
		r.t.Fatal(err)
	}
	for i, s := range srcs {
		n.add(&nexObj{kind: "source", name: nexmark.Topics[i], create: fixed(s)})
		if !strings.Contains(s, "SOURCE "+nexmark.Topics[i]+" ") {
			r.t.Fatalf("sources.sql: statement %d is not source %s: %s", i, nexmark.Topics[i], s)
		}
	}
	// A source of its own over the bid topic, which cycles drop (CASCADE)
	// with the view and the sink that read it.
	n.add(&nexObj{kind: "source", name: "bid_x", droppable: true, create: fixed(
		`CREATE SOURCE bid_x (auction BIGINT, bidder BIGINT, price BIGINT, channel TEXT, url TEXT,
		date_time TIMESTAMP, extra TEXT, WATERMARK FOR date_time AS date_time - INTERVAL '4 seconds')
		WITH (topic = 'bid', format = 'json', start = 'earliest')`)})
	view := func(name, parent, query, batch string) {
		if batch == "" {
			batch = query
		}
		n.add(&nexObj{kind: "view", name: name, parent: parent, droppable: true, batch: batch,
			create: fixed(`CREATE MATERIALIZED VIEW ` + name + ` AS ` + query)})
	}
	bySelect := map[string]string{}
	for _, q := range queries {
		view(q.Name, "", q.Select, "")
		bySelect[q.Name] = q.Select
	}
	// EMIT ON WINDOW CLOSE: the batch query's rows whose windows end by
	// the view's bound, the least watermark of its inputs, which every
	// record raises (those the view's filter drops included) and none is
	// late: each topic has one partition, in event time order.
	bound := func(srcs ...string) string {
		var maxes []string
		for _, s := range srcs {
			maxes = append(maxes, `(SELECT max(date_time) FROM `+s+`)`)
		}
		return `least(` + strings.Join(maxes, ", ") + `) - INTERVAL '4 seconds'`
	}
	view("q5_eowc", "", bySelect["q5"]+` EMIT ON WINDOW CLOSE`,
		`SELECT * FROM (`+bySelect["q5"]+`) q WHERE window_end <= `+bound("bid"))
	view("q8_eowc", "", bySelect["q8"]+` EMIT ON WINDOW CLOSE`,
		`SELECT * FROM (`+bySelect["q8"]+`) q WHERE starttime + INTERVAL '10 seconds' <= `+bound("person", "auction"))
	// The filter right over the scan goes to the decoders (pushdown), and
	// the records it drops still raise the watermark.
	q2win := `SELECT window_start, count(*) AS n, max(price) AS top FROM TUMBLE((SELECT * FROM bid WHERE auction % 123 = 0), date_time, INTERVAL '10 seconds') GROUP BY window_start`
	view("q2_win_eowc", "", q2win+` EMIT ON WINDOW CLOSE`,
		`SELECT * FROM (`+q2win+`) q WHERE window_start + INTERVAL '10 seconds' <= `+bound("bid"))
	view("v_bidx", "bid_x", `SELECT channel, count(*) AS n, count(DISTINCT bidder) AS bidders, count(DISTINCT auction) AS auctions FROM bid_x GROUP BY channel`, "")
	// Over the plain table, alone and joined with a source.
	view("v_acct", "", `SELECT owner, count(*) AS n, sum(bal)::int8 AS total FROM acct GROUP BY owner`, "")
	view("v_bid_acct", "", `SELECT a.owner, count(*) AS n, sum(b.price)::int8 AS total FROM bid b JOIN acct a ON a.id = b.bidder % 50 GROUP BY a.owner`, "")
	sink := func(name, parent, envelope, query string, key ...string) {
		from, batch := parent, `SELECT * FROM `+parent
		if parent == "" {
			from, batch = `(`+query+`)`, query
		}
		// A debezium sink without a key spreads its records over the
		// partitions, and a row's retraction could precede its insertion
		// in the order the check reads them: one partition keeps the order.
		partitions := 2
		if envelope == "debezium" {
			partitions = 1
		}
		n.add(&nexObj{kind: "sink", name: name, parent: parent, droppable: true, envelope: envelope, key: key, batch: batch,
			create: func(inc int) string {
				return fmt.Sprintf(`CREATE SINK %s FROM %s WITH (topic = '%s_%d', envelope = '%s', partitions = '%d')`,
					name, from, name, inc, envelope, partitions)
			}})
	}
	sink("s_q1", "q1", "append", "")
	// q2 commits its epochs pipelined while it has no sink: created and
	// dropped, this one switches it.
	sink("s_q2", "q2", "append", "")
	sink("s_q4", "q4", "upsert", "", "category")
	sink("s_q17", "q17", "upsert", "", "auction", "day")
	sink("s_q18", "q18", "debezium", "")
	sink("s_q5", "q5", "debezium", "")
	sink("s_bidx", "v_bidx", "upsert", "", "channel")
	// Sinks with dataflows of their own: a join of two sources under a
	// pushed-down filter, and HOP windows with count(DISTINCT).
	sink("s_join", "", "append", `SELECT b.auction, b.bidder, b.price, b.date_time, a.category FROM bid b JOIN auction a ON b.auction = a.id WHERE a.category = 10`)
	sink("s_hop", "", "upsert", `SELECT auction, window_start, count(*) AS n, count(DISTINCT bidder) AS bidders FROM HOP(bid, date_time, INTERVAL '2 seconds', INTERVAL '10 seconds') GROUP BY auction, window_start`,
		"auction", "window_start")
	return n
}

// nexSlowdown scales the test's patience: eddy built with -race
// (EDDY_BUILD_FLAGS) runs several times slower.
func nexSlowdown() time.Duration {
	if strings.Contains(os.Getenv("EDDY_BUILD_FLAGS"), "-race") {
		return 4
	}
	return 1
}

func fixed(q string) func(int) string { return func(int) string { return q } }

func (n *nexRig) add(o *nexObj) {
	n.objs = append(n.objs, o)
	n.byName[o.name] = o
}

// produce writes the next count events to the topics (the broker outlives
// eddy, so it never fails for a kill).
func (n *nexRig) produce(ctx context.Context, count int64) error {
	count = min(count, n.events-n.produced)
	if count <= 0 {
		return nil
	}
	counts, err := nexmark.Produce(ctx, nexmark.GenConfig{Seeds: []string{n.kafka}, First: n.produced, Events: count, Seed: n.seed,
		Base: nexmark.DefaultBaseTime, EventRate: n.eventRate, Partitions: n.partitions})
	if err != nil {
		return fmt.Errorf("produce events %d..%d: %w", n.produced, n.produced+count-1, err)
	}
	n.produced += count
	for k, c := range counts {
		n.counts[k] += c
	}
	return nil
}

func (n *nexRig) run(kills int) {
	t := n.t
	defer n.watchdog(crashWatchdog(kills) * nexSlowdown()).Stop()
	n.setup()
	bursts := max(kills/2, 1)
	for i := range kills {
		n.cycle(i, (n.events-n.produced+int64(bursts)-1)/int64(bursts))
		if n.rng.IntN(2) == 0 && bursts > 1 {
			bursts--
		}
	}
	n.finish()
	var hit []string
	for k, v := range n.kills {
		hit = append(hit, fmt.Sprintf("%s %d", k, v))
	}
	sort.Strings(hit)
	t.Logf("%d kills: %s", kills, strings.Join(hit, ", "))
	t.Logf("%d CREATEs (%d cut off by a kill), %d DROPs (%d cut off), %d transactions (%d cut off)",
		n.stats.creates, n.stats.cutCreates, n.stats.drops, n.stats.cutDrops, n.stats.txns, n.stats.cutTxns)
}

// setup creates the base sources and the table and produces the backlog
// that the first cycle's views load.
func (n *nexRig) setup() {
	t := n.t
	n.start()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := n.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if err := n.produce(ctx, n.events*2/5); err != nil {
		t.Fatal(err)
	}
	for _, o := range n.objs {
		if o.kind == "source" && !o.droppable {
			mustExec(t, c, o.create(0))
			o.state = nexPresent
		}
	}
	mustExec(t, c, `CREATE TABLE acct (id BIGINT PRIMARY KEY, owner BIGINT NOT NULL, bal BIGINT NOT NULL)`)
	mustExec(t, c, `CREATE INDEX acct_owner ON acct (owner)`)
	mustExec(t, c, fmt.Sprintf(`INSERT INTO acct SELECT i, i %% 7, 1000 FROM generate_series(0, %d) i`, nexAcctRows-1))
	for i := range nexAcctRows {
		n.acct[i] = [2]int{i % 7, 1000}
	}
	c.Close(ctx)
	n.kill()
}

// The things a cycle does while it is killed, and when the kill comes.
const (
	nexCreate  = "create"     // create every object that does not exist; killed during one CREATE
	nexReload  = "reload"     // drop a view over many bids and create it again; killed during its load
	nexDrop    = "drop"       // drop some objects; killed during a DROP
	nexDDLKill = "after DDL"  // one DROP or CREATE, killed as it returns
	nexTxn     = "txn"        // transactions on acct
	nexTail    = "tail"       // nothing: the views tail the burst
	nexTable   = "table file" // killed as Badger writes a new table file
)

// nexBigViews are views that hold a row (or more) per bid: their load
// takes the longest.
var nexBigViews = []string{"q0", "q1", "q22", "q11", "q18", "q19", "q14"}

func (n *nexRig) cycle(i int, burst int64) {
	t := n.t
	actions := []string{nexCreate, nexReload, nexDrop, nexDDLKill, nexTxn, nexTail, nexTable}
	action := actions[n.rng.IntN(len(actions))]
	if i == 0 {
		action = nexCreate // the views' first load, of the backlog
	}
	// Some kills count from the start of the process, and so hit the
	// recovery as often as not.
	fromStart := n.rng.IntN(4) == 0
	killAfter := time.Duration(50+n.rng.IntN(2500)) * time.Millisecond
	workSeed, txnToo := n.rng.Uint64(), n.rng.IntN(3) == 0
	n.setStep("cycle %d (%s, kill after %s from the start: %v, burst of %d events)", i, action, killAfter, fromStart, burst)
	n.start()
	started := time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	var killing atomic.Bool
	fail := func(err error) {
		if err != nil && !killing.Load() && !errors.Is(err, errCut) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	go1 := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	// An external broker outlives eddy: the burst lands whatever the kill
	// hits. The embedded one dies with eddy, and would leave the burst
	// cut off at an unknown record (Nexmark's bids have no ids to look
	// for): the burst goes first, and the kill's moment counts from its
	// end.
	produced := make(chan struct{})
	if n.external {
		go1(func() { fail(n.produce(context.WithoutCancel(ctx), burst)) })
		close(produced)
	} else {
		go1(func() {
			defer close(produced)
			if err := n.ready(ctx); err != nil {
				fail(err)
				return
			}
			fail(n.produce(ctx, burst))
		})
	}
	// The worker sends on killIn when the moment its action aims at comes:
	// the kill follows after the delay it sends.
	killIn := make(chan time.Duration, 1)
	aim := func(d time.Duration) {
		select {
		case killIn <- d:
		default:
		}
	}
	ready := make(chan struct{})
	go1(func() {
		if err := n.ready(ctx); err != nil {
			fail(err)
			return
		}
		c, err := pgx.Connect(ctx, n.url())
		if err != nil {
			fail(err) // eddy listens: only a kill fails the connection
			return
		}
		defer c.Close(context.Background())
		if err := n.reconcileAll(ctx, c); err != nil {
			fail(err)
			return
		}
		close(ready)
		rng := rand.New(rand.NewPCG(workSeed, 5))
		if txnToo && action != nexTxn {
			seed := rng.Uint64()
			go1(func() { fail(n.txns(ctx, seed)) })
		}
		switch action {
		case nexCreate:
			// Killed during the k-th CREATE, a little into it.
			k := rng.IntN(max(len(n.creatable(rng)), 1))
			fail(n.createAbsent(ctx, c, rng, func(j int) {
				if j == k {
					aim(time.Duration(rng.IntN(300)) * time.Millisecond)
				}
			}))
		case nexReload:
			o := n.byName[nexBigViews[rng.IntN(len(nexBigViews))]]
			if n.state(o) == nexPresent {
				if err := n.ddl(ctx, c, `DROP MATERIALIZED VIEW `+o.name+` CASCADE`, false, n.dependentsOf(o)...); err != nil {
					fail(err)
					return
				}
			}
			if !n.parentPresent(o) || n.state(o) != nexAbsent {
				aim(0)
				return
			}
			aim(time.Duration(rng.IntN(400)) * time.Millisecond)
			began := time.Now()
			if err := n.createObj(ctx, c, o); err != nil {
				fail(err)
				return
			}
			t.Logf("cycle %d: CREATE MATERIALIZED VIEW %s (its load) took %s", i, o.name, time.Since(began).Round(time.Millisecond))
		case nexDrop:
			fail(n.dropSome(ctx, c, rng, 1+rng.IntN(3), func() { aim(time.Duration(rng.IntN(60)) * time.Millisecond) }))
		case nexDDLKill:
			var err error
			if rng.IntN(2) == 0 || !n.anyAbsent() {
				err = n.dropSome(ctx, c, rng, 1, nil)
			} else {
				err = n.createOne(ctx, c, rng)
			}
			fail(err)
			aim(time.Duration(rng.IntN(5)) * time.Millisecond)
		case nexTxn:
			aim(time.Duration(rng.IntN(1500)) * time.Millisecond)
			fail(n.txns(ctx, rng.Uint64()))
		case nexTail:
			aim(time.Duration(rng.IntN(1500)) * time.Millisecond)
		case nexTable:
			// A new table file: a memtable flushed, or a compaction under
			// way (its old tables not yet deleted).
			tables := listTables(n.dir)
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) && ctx.Err() == nil {
				now := listTables(n.dir)
				if newTable(tables, now) {
					aim(0)
					return
				}
				tables = now
				time.Sleep(2 * time.Millisecond)
			}
		}
		// The action ended before its moment came (nothing to create or
		// drop): the kill comes soon all the same.
		aim(time.Duration(rng.IntN(500)) * time.Millisecond)
	})
	why := action
	select {
	case <-produced:
	case <-time.After(2 * time.Minute):
		t.Fatalf("cycle %d: the burst took more than 2 minutes", i)
	}
	if fromStart {
		time.Sleep(killAfter)
		why += " (at random)"
	} else {
		select {
		case d := <-killIn:
			time.Sleep(d)
		case <-time.After(20 * time.Second):
			why += " (its moment did not come)"
		}
	}
	select {
	case <-ready:
	default:
		why = "recovery (" + why + ")"
	}
	killing.Store(true)
	n.kill()
	cancel()
	n.mu.Lock()
	n.kills[why]++
	n.mu.Unlock()
	t.Logf("cycle %d: killed after %s, during %s", i, time.Since(started).Round(time.Millisecond), why)
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(2 * time.Minute):
		t.Fatalf("cycle %d: workers did not return in 2 minutes after the kill", i)
	}
	if len(errs) > 0 {
		t.Fatalf("cycle %d: %v", i, errors.Join(errs...))
	}
}

// listTables lists Badger's table files in dir.
func listTables(dir string) map[string]bool {
	out := map[string]bool{}
	names, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	for _, n := range names {
		out[filepath.Base(n)] = true
	}
	return out
}

func newTable(before, now map[string]bool) bool {
	for n := range now {
		if !before[n] {
			return true
		}
	}
	return false
}

// exists lists the sources, views and sinks eddy has.
func exists(ctx context.Context, c *pgx.Conn) (map[string]bool, error) {
	out := map[string]bool{}
	for _, q := range []string{`SHOW SOURCES`, `SHOW MATERIALIZED VIEWS`, `SHOW SINKS`} {
		rows, err := c.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(vals[0])] = true
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return out, nil
}

// reconcileAll checks the restarted eddy against what the test was told
// (objects, table) and settles what the kill cut off.
func (n *nexRig) reconcileAll(ctx context.Context, c *pgx.Conn) error {
	have, err := exists(ctx, c)
	if err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, o := range n.objs {
		switch {
		case o.state == nexPresent && !have[o.name]:
			return fmt.Errorf("%s %s is gone after a restart, though its CREATE returned", o.kind, o.name)
		case o.state == nexAbsent && have[o.name]:
			return fmt.Errorf("%s %s exists after a restart, though its DROP returned", o.kind, o.name)
		case o.state == nexCreating || o.state == nexDropping:
			if have[o.name] {
				o.state = nexPresent
			} else {
				o.state = nexAbsent
			}
		}
	}
	for _, o := range n.objs {
		if o.parent != "" && o.state == nexPresent && n.byName[o.parent].state != nexPresent {
			return fmt.Errorf("%s exists without %s, which it reads", o.name, o.parent)
		}
	}
	return n.checkAcct(ctx, c)
}

// checkAcct reads acct twice, by its primary key and through its index,
// checks both against the committed transactions and settles the one a
// kill cut off.
func (n *nexRig) checkAcct(ctx context.Context, c *pgx.Conn) error {
	read := func(q string) (map[int][2]int, error) {
		rows, err := c.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", q, err)
		}
		out := map[int][2]int{}
		for rows.Next() {
			var id, owner, bal int
			if err := rows.Scan(&id, &owner, &bal); err != nil {
				return nil, err
			}
			if _, dup := out[id]; dup {
				return nil, fmt.Errorf("%s: id %d twice", q, id)
			}
			out[id] = [2]int{owner, bal}
		}
		return out, rows.Err()
	}
	got, err := read(`SELECT id, owner, bal FROM acct`)
	if err != nil {
		return err
	}
	// Each owner through the index, which must hold each row under its
	// owner once, and no row it does not have.
	byIndex := map[int][2]int{}
	for o := range 7 {
		part, err := read(fmt.Sprintf(`SELECT id, owner, bal FROM acct WHERE owner = %d`, o))
		if err != nil {
			return err
		}
		for id, row := range part {
			if row[0] != o {
				return fmt.Errorf("acct_owner: the index finds id %d under owner %d, its owner is %d", id, o, row[0])
			}
			byIndex[id] = row
		}
	}
	if !mapsEq(got, byIndex) {
		return fmt.Errorf("acct through its index %v, by a scan %v", byIndex, got)
	}
	if u := n.acctTxn; u != nil {
		done, undone := true, true
		for id := range u.after {
			g, ok := got[id]
			done = done && rowIs(g, ok, u.after[id])
			undone = undone && rowIs(g, ok, u.before[id])
		}
		if !done && !undone {
			return fmt.Errorf("a transaction cut off by the kill was half applied: %q: before %s after %s, table %v",
				u.sql, fmtAcct(u.before), fmtAcct(u.after), got)
		}
		if done && !undone {
			applyAcct(n.acct, u.after)
		}
		n.acctTxn = nil
	}
	if !mapsEq(got, n.acct) {
		return fmt.Errorf("acct after a restart %v, committed %v", got, n.acct)
	}
	return nil
}

func mapsEq(a, b map[int][2]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func rowIs(got [2]int, ok bool, want *[2]int) bool {
	if want == nil {
		return !ok
	}
	return ok && got == *want
}

func applyAcct(m map[int][2]int, rows map[int]*[2]int) {
	for id, r := range rows {
		if r == nil {
			delete(m, id)
		} else {
			m[id] = *r
		}
	}
}

func fmtAcct(m map[int]*[2]int) string {
	var parts []string
	for _, id := range sortedKeys(m) {
		if m[id] == nil {
			parts = append(parts, fmt.Sprintf("%d:-", id))
		} else {
			parts = append(parts, fmt.Sprintf("%d:%v", id, *m[id]))
		}
	}
	return strings.Join(parts, " ")
}

// txns runs transactions on acct until ctx ends: a transfer between two
// rows, a row deleted or inserted, and now and then a statement that
// moves every row of an owner to another (through the index).
func (n *nexRig) txns(ctx context.Context, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 6))
	c, err := pgx.Connect(ctx, n.url())
	if err != nil {
		return nil // killed
	}
	defer c.Close(context.Background())
	for ctx.Err() == nil {
		n.mu.Lock()
		ids := sortedKeys(n.acct)
		ch := &acctChange{before: map[int]*[2]int{}, after: map[int]*[2]int{}}
		touch := func(id int) *[2]int {
			if r, ok := ch.after[id]; ok {
				return r
			}
			var before, after *[2]int
			if r, ok := n.acct[id]; ok {
				b, a := r, r
				before, after = &b, &a
			}
			ch.before[id], ch.after[id] = before, after
			return after
		}
		stmts := []string{"BEGIN"}
		if len(ids) > 0 {
			a, b := ids[rng.IntN(len(ids))], ids[rng.IntN(len(ids))]
			x := 1 + rng.IntN(100)
			stmts = append(stmts, fmt.Sprintf(`UPDATE acct SET bal = bal - %d WHERE id = %d`, x, a),
				fmt.Sprintf(`UPDATE acct SET bal = bal + %d WHERE id = %d`, x, b))
			touch(a)[1] -= x
			touch(b)[1] += x
		}
		if k := rng.IntN(nexAcctRows + 10); touch(k) != nil {
			stmts = append(stmts, fmt.Sprintf(`DELETE FROM acct WHERE id = %d`, k))
			ch.after[k] = nil
		} else {
			stmts = append(stmts, fmt.Sprintf(`INSERT INTO acct VALUES (%d, %d, %d)`, k, k%7, 500))
			ch.after[k] = &[2]int{k % 7, 500}
		}
		if rng.IntN(4) == 0 {
			from, to := rng.IntN(7), rng.IntN(7)
			stmts = append(stmts, fmt.Sprintf(`UPDATE acct SET owner = %d WHERE owner = %d`, to, from))
			for _, id := range sortedKeys(n.acct) {
				if r := touch(id); r != nil && r[0] == from {
					r[0] = to
				}
			}
			for _, r := range ch.after {
				if r != nil && r[0] == from {
					r[0] = to
				}
			}
		}
		stmts = append(stmts, "COMMIT")
		for id, r := range ch.after {
			if b := ch.before[id]; (r == nil) == (b == nil) && (r == nil || *r == *b) {
				delete(ch.after, id)
				delete(ch.before, id)
			}
		}
		ch.sql = stmts
		n.acctTxn = ch
		n.mu.Unlock()
		for _, q := range stmts {
			if _, err := c.Exec(ctx, q); err != nil {
				if ctx.Err() != nil || c.IsClosed() {
					n.mu.Lock()
					n.stats.cutTxns++
					n.mu.Unlock()
					return nil // the kill; reconcileAll settles ch
				}
				var pe *pgconn.PgError
				if errors.As(err, &pe) && pe.Code == "40001" {
					// A view over acct was created meanwhile: the
					// transaction did not commit (the next restart
					// checks that it left nothing).
					c.Exec(ctx, "ROLLBACK")
					ch.after = nil
					break
				}
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		n.mu.Lock()
		applyAcct(n.acct, ch.after)
		n.acctTxn = nil
		n.stats.txns++
		n.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(rng.IntN(20)) * time.Millisecond):
		}
	}
	return nil
}

// errCut is a statement's error when the kill cut it off.
var errCut = errors.New("cut off by the kill")

// ddl runs one CREATE or DROP, the objects it touches marked as it begins
// and as it returns (errCut: the kill cut it off).
func (n *nexRig) ddl(ctx context.Context, c *pgx.Conn, q string, create bool, objs ...*nexObj) error {
	n.mu.Lock()
	for _, o := range objs {
		if create {
			o.state = nexCreating
		} else {
			o.state = nexDropping
		}
	}
	n.mu.Unlock()
	if _, err := c.Exec(ctx, q); err != nil {
		if ctx.Err() != nil || c.IsClosed() {
			n.mu.Lock()
			if create {
				n.stats.cutCreates++
			} else {
				n.stats.cutDrops++
			}
			n.mu.Unlock()
			return errCut
		}
		return fmt.Errorf("%s: %w", q, err)
	}
	n.mu.Lock()
	for _, o := range objs {
		if create {
			o.state = nexPresent
		} else {
			o.state = nexAbsent
		}
	}
	if create {
		n.stats.creates++
	} else {
		n.stats.drops++
	}
	n.mu.Unlock()
	return nil
}

// creatable lists the absent objects whose parents exist, views in random
// order.
func (n *nexRig) creatable(rng *rand.Rand) []*nexObj {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*nexObj
	for _, kind := range []string{"source", "view", "sink"} {
		var ks []*nexObj
		for _, o := range n.objs {
			if o.kind == kind && o.state == nexAbsent {
				ks = append(ks, o)
			}
		}
		rng.Shuffle(len(ks), func(i, j int) { ks[i], ks[j] = ks[j], ks[i] })
		out = append(out, ks...)
	}
	return out
}

func (n *nexRig) anyAbsent() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, o := range n.objs {
		if o.state == nexAbsent {
			return true
		}
	}
	return false
}

func (n *nexRig) parentPresent(o *nexObj) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return o.parent == "" || n.byName[o.parent].state == nexPresent
}

// createAbsent creates every absent object, parents first; before the
// j-th CREATE it calls before(j), if given.
func (n *nexRig) createAbsent(ctx context.Context, c *pgx.Conn, rng *rand.Rand, before func(j int)) error {
	for j, o := range n.creatable(rng) {
		if ctx.Err() != nil {
			return nil
		}
		if !n.parentPresent(o) {
			continue
		}
		if before != nil {
			before(j)
		}
		if err := n.createObj(ctx, c, o); err != nil {
			return err
		}
	}
	return nil
}

func (n *nexRig) createObj(ctx context.Context, c *pgx.Conn, o *nexObj) error {
	n.mu.Lock()
	o.inc++
	q := o.create(o.inc)
	n.mu.Unlock()
	return n.ddl(ctx, c, q, true, o)
}

// createOne creates one absent object whose parent exists.
func (n *nexRig) createOne(ctx context.Context, c *pgx.Conn, rng *rand.Rand) error {
	for _, o := range n.creatable(rng) {
		if n.parentPresent(o) {
			return n.createObj(ctx, c, o)
		}
	}
	return nil
}

// dropSome drops k random droppable objects, with CASCADE; before each
// DROP it calls before, if given.
func (n *nexRig) dropSome(ctx context.Context, c *pgx.Conn, rng *rand.Rand, k int, before func()) error {
	for range k {
		n.mu.Lock()
		var cands []*nexObj
		for _, o := range n.objs {
			if o.droppable && o.state == nexPresent {
				cands = append(cands, o)
			}
		}
		if len(cands) == 0 {
			n.mu.Unlock()
			return nil
		}
		o := cands[rng.IntN(len(cands))]
		if x := n.byName["bid_x"]; x.state == nexPresent && rng.IntN(4) == 0 {
			o = x // DROP SOURCE ... CASCADE, now and then
		}
		objs := n.dependents(o)
		n.mu.Unlock()
		what := map[string]string{"source": "SOURCE", "view": "MATERIALIZED VIEW", "sink": "SINK"}[o.kind]
		if before != nil {
			before()
		}
		if err := n.ddl(ctx, c, `DROP `+what+` `+o.name+` CASCADE`, false, objs...); err != nil || ctx.Err() != nil {
			return err
		}
	}
	return nil
}

func (n *nexRig) state(o *nexObj) nexState {
	n.mu.Lock()
	defer n.mu.Unlock()
	return o.state
}

func (n *nexRig) dependentsOf(o *nexObj) []*nexObj {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.dependents(o)
}

// dependents is o and what reads it, transitively (n.mu held).
func (n *nexRig) dependents(o *nexObj) []*nexObj {
	out := []*nexObj{o}
	for i := 0; i < len(out); i++ {
		for _, d := range n.objs {
			if d.parent == out[i].name && d.state != nexAbsent {
				out = append(out, d)
			}
		}
	}
	return out
}

// finish restarts eddy for good, creates what does not exist, produces
// the rest of the events and checks every view and sink.
func (n *nexRig) finish() {
	t := n.t
	n.setStep("the last restart")
	n.start()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute*nexSlowdown())
	defer cancel()
	defer func() { t.Logf("the last restart and its checks took %s", time.Since(start).Round(time.Millisecond)) }()
	c, err := n.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if err := n.reconcileAll(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := n.createAbsent(ctx, c, rand.New(rand.NewPCG(n.seed, 7)), nil); err != nil {
		t.Fatal(err)
	}
	if err := n.produce(ctx, n.events); err != nil {
		t.Fatal(err)
	}
	t.Logf("the last restart: ready, reconciled and the rest produced after %s", time.Since(start).Round(time.Millisecond))
	// The batch queries read the topics: they must hold every event once.
	for k, topic := range nexmark.Topics {
		if got := queryRows(t, c, `SELECT count(*) FROM `+topic)[0]; got != strconv.FormatInt(n.counts[k], 10) {
			t.Errorf("topic %s holds %s records, %d were produced", topic, got, n.counts[k])
		}
	}
	for _, o := range n.objs {
		if o.kind == "view" {
			n.setStep("the check of view %s", o.name)
			n.waitEqual(ctx, c, o.name, o.batch)
		}
	}
	t.Logf("the last restart: views checked after %s", time.Since(start).Round(time.Millisecond))
	n.setStep("the check of late rows")
	for _, row := range queryRows(t, c, `SELECT name, coalesce(input, ''), late_rows FROM eddy_catalog.eddy_views WHERE late_rows <> 0`) {
		t.Errorf("late rows dropped (the expected answers assume none): %s", row)
	}
	for _, o := range n.objs {
		if o.kind != "sink" {
			continue
		}
		n.setStep("the check of sink %s", o.name)
		switch o.envelope {
		case "append":
			n.checkAppend(ctx, o.topic(), rowsJSON(t, ctx, c, o.batch))
		case "upsert":
			n.checkUpsertRows(ctx, o.topic(), o.key, func() []string { return rowsJSON(t, ctx, c, o.batch) })
		case "debezium":
			n.checkDebezium(ctx, o.topic(), func() []string { return rowsJSON(t, ctx, c, o.batch) })
		}
	}
	n.setStep("the check of acct")
	if err := n.checkAcct(ctx, c); err != nil {
		t.Error(err)
	}
	c.Close(ctx)
	n.stop()
	n.setStep("the check for orphaned data")
	n.checkOrphans()
	n.checkWarnings()
}

// checkWarnings lists eddy's warnings over the run, and fails on those
// that a crash does not explain: a feed or sink whose writes did not fit
// in one Badger transaction.
func (n *nexRig) checkWarnings() {
	b, _ := os.ReadFile(n.logPath)
	counts := map[string]int{}
	if bytes.Contains(b, []byte("WARNING: DATA RACE")) {
		n.t.Errorf("eddy's log reports a data race (%s)", n.logPath)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, "level=WARN") && !strings.Contains(l, "level=ERROR") {
			continue
		}
		_, msg, _ := strings.Cut(l, " level=")
		if i := strings.Index(msg, " oids="); i >= 0 {
			msg = msg[:i]
		}
		counts[msg]++
		if strings.Contains(msg, "too big to fit") {
			n.t.Errorf("eddy: %s", l)
		}
	}
	for _, msg := range slices.Sorted(maps.Keys(counts)) {
		n.t.Logf("eddy's log: %d× %s", counts[msg], msg)
	}
}

// rowsJSON runs q and returns each row as a JSON object as a sink writes
// it (timestamps as text), in canonical form.
func rowsJSON(t *testing.T, ctx context.Context, c *pgx.Conn, q string) []string {
	t.Helper()
	rs, err := c.Query(ctx, `SELECT * FROM (`+q+`) q LIMIT 0`)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var args []string
	for _, f := range rs.FieldDescriptions() {
		col := `q.` + pgx.Identifier{f.Name}.Sanitize()
		if f.DataTypeOID == 1114 || f.DataTypeOID == 1184 { // timestamp, timestamptz
			col += `::text`
		}
		args = append(args, fmt.Sprintf(`'%s', %s`, f.Name, col))
	}
	rs.Close()
	var out []string
	for _, s := range queryRows(t, c, `SELECT json_build_object(`+strings.Join(args, ", ")+`)::text FROM (`+q+`) q`) {
		out = append(out, canonJSON(t, s))
	}
	return out
}

// checkDebezium: replaying the topic's changes (each before row taken
// out, each after row put in) in the order the topic has them gives
// exactly the relation's rows, and never takes out a row that is not
// there (a change delivered twice, or out of order). The topic must have
// one partition, or records of one key.
func (r *crashRig) checkDebezium(ctx context.Context, topic string, rows func() []string) {
	t := r.t
	var want, got []string
	var bad []string
	for {
		want = rows()
		sort.Strings(want)
		recs, err := readTopic(ctx, r.kafka, topic, true)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		bad = bad[:0]
		for _, rec := range recs {
			var v struct{ Before, After json.RawMessage }
			if err := json.Unmarshal(rec.Value, &v); err != nil {
				t.Fatalf("debezium sink topic %s: %q: %v", topic, rec.Value, err)
			}
			if b := string(v.Before); b != "" && b != "null" {
				k := canonJSON(t, b)
				if counts[k]--; counts[k] < 0 {
					bad = append(bad, fmt.Sprintf("offset %d takes out %s, which is not there", rec.Offset, k))
				}
			}
			if a := string(v.After); a != "" && a != "null" {
				counts[canonJSON(t, a)]++
			}
		}
		got = got[:0]
		for k, c := range counts {
			for range c {
				got = append(got, k)
			}
		}
		sort.Strings(got)
		if (slices.Equal(got, want) && len(bad) == 0) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !slices.Equal(got, want) || len(bad) > 0 {
		missing, extra := multisetDiff(want, got)
		t.Errorf("debezium sink topic %s replays to %d rows, want %d: missing %q, unexpected %q; %q",
			topic, len(got), len(want), head(missing), head(extra), head(bad))
		// The records that name the first rows in question.
		recs, _ := readTopic(ctx, r.kafka, topic, false)
		for _, row := range append(head(missing)[:min(len(missing), 3)], head(extra)[:min(len(extra), 3)]...) {
			for _, rec := range recs {
				if strings.Contains(canonRecord(t, rec.Value), row) {
					t.Logf("%s[%d]@%d (txn %v, headers %v): %s", topic, rec.Partition, rec.Offset, rec.Attrs.IsTransactional(), rec.Headers, rec.Value)
				}
			}
		}
	}
}

// canonRecord is a debezium record with its rows in canonical form.
func canonRecord(t *testing.T, b []byte) string {
	var v struct{ Before, After json.RawMessage }
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	out := ""
	for _, r := range []json.RawMessage{v.Before, v.After} {
		if s := string(r); s != "" && s != "null" {
			out += canonJSON(t, s) + " "
		}
	}
	return out
}
