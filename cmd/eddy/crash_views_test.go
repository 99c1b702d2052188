package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestKill9Views drives records with known contents through materialized
// views (aggregates, joins with a table and of two sources, tumbling
// windows with and without EMIT ON WINDOW CLOSE, a view over a view) and
// sinks (upsert and append, of views and of queries) while it kills eddy with SIGKILL at random
// (seeded) moments, restarting it over the same data directory each time.
// After the last restart every view must equal its query run in batch, and
// each sink topic, read with read_committed, must hold exactly the view's
// changes: nothing lost, nothing twice.
//
// Two runs: "embedded", where the broker is eddy's embedded kfake and so
// dies and restarts with eddy (its log persisted under the data dir), and
// "external", where the broker runs in the test process and survives the
// kills, so that only eddy's side of exactly-once is on trial.
//
// Set EDDY_CRASH_SEED to replay a seed, EDDY_CRASH_KILLS to change the
// number of kills (20 by default, 5 with -short).
func TestKill9Views(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "eddy")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	kills := 20
	if testing.Short() {
		kills = 5
	}
	seed, kills := crashSeedKills(t, kills)
	for _, mode := range []string{"embedded", "external"} {
		t.Run(mode, func(t *testing.T) {
			r := newCrashRig(t, bin, mode == "external", seed)
			r.run(kills)
		})
	}
}

// crashWatchdog is how long a run of the rig with kills may take before
// it is taken for stuck (20 kills take a minute or two on a loaded
// machine; this gives them ten). Stuck, the test would end at go test's
// -timeout, which prints no t.Log output: the seed and eddy's log would be
// lost.
func crashWatchdog(kills int) time.Duration {
	return 5*time.Minute + time.Duration(kills)*15*time.Second
}

// Records. Every record's contents are a function of its id alone, so a
// record can be sent again after a crash and be the same record. Bids get
// ids 0, 1, 2, ...; a click is sent for every third id.
const (
	crashBurst   = 150                     // bids per burst
	crashStep    = 100 * time.Millisecond  // event time between consecutive bids
	crashBidders = 24                      // bidders 0..23; bidder_info holds some of them
	crashWindow  = "INTERVAL '30 seconds'" // TUMBLE size
	crashDelay   = "INTERVAL '2 minutes'"  // watermark delay: 1200 bids of disorder
)

var crashEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func crashRand(id int) *rand.Rand { return rand.New(rand.NewPCG(uint64(id), 0x5eed)) }

type bid struct {
	id, auction, bidder, price int
	ts                         time.Time
}

func makeBid(id int) bid {
	r := crashRand(id)
	return bid{id: id, auction: r.IntN(13), bidder: r.IntN(crashBidders), price: 1 + r.IntN(1000),
		ts: crashEpoch.Add(time.Duration(id) * crashStep)}
}

func (b bid) json() string {
	return fmt.Sprintf(`{"id":%d,"auction":%d,"bidder":%d,"price":%d,"ts":%q}`,
		b.id, b.auction, b.bidder, b.price, b.ts.Format("2006-01-02 15:04:05.000"))
}

func clickJSON(id int) string {
	b := makeBid(id)
	return fmt.Sprintf(`{"id":%d,"bidder":%d,"page":"p%d"}`, id, b.bidder, (id/3)%5)
}

// A stream is one source topic as the producer sees it. Only records the
// broker acknowledged count as produced. A record whose produce was cut
// off by a kill is pending: the broker may or may not have written it.
// After the restart, reconcile reads the topic and settles each pending
// record: found, it is produced; not found, it is sent again (same id,
// same contents, same partition). So in the end the topic holds every
// record exactly once, whatever the kills hit, and the test knows which.
type stream struct {
	topic      string
	partitions int32
	value      func(id int) string
	has        func(id int) bool // whether id has a record in this topic
	acked      map[int]bool
	pending    map[int]bool
}

func (s *stream) partition(id int) int32 { return int32(id) % s.partitions }

type crashRig struct {
	t        *testing.T
	bin      string
	dir      string
	sqlAddr  string
	kafka    string // seed broker
	external bool
	rng      *rand.Rand
	logPath  string
	// args are more flags for eddy.
	args []string

	seed uint64
	// step says what the test is doing, for the report of a failure;
	// failedIn is the step during which the test first failed.
	step     atomic.Pointer[string]
	failedIn string
	cmd      *exec.Cmd
	// exited is closed when cmd has exited; proc is cmd's process, for the
	// watchdog.
	exited chan struct{}
	proc   atomic.Pointer[os.Process]
	bids   *stream
	clks   *stream
	next   int // next bid id

	// table is bidder_info as committed (bidder -> tier); uncertain is
	// the statement a kill cut off: its rows hold either what they held
	// (before) or what it wrote (after), all of them the one or the other.
	table     map[int]string
	uncertain *dmlChange
	// extras are the views and sinks that DDL creates and drops while
	// kills fly (crash_ddl_test.go).
	extras map[string]*extraObject
	stats  struct{ beforeReady, resent, foundPending int }
}

type dmlChange struct {
	sql           string
	before, after map[int]string // "" means absent
}

// crashSeedKills gives a crash test's seed (EDDY_CRASH_SEED replays one)
// and number of kills (EDDY_CRASH_KILLS, else def), and logs them so that
// a failure can be replayed.
func crashSeedKills(t *testing.T, def int) (seed uint64, kills int) {
	seed = uint64(time.Now().UnixNano())
	if s := os.Getenv("EDDY_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	kills = def
	if s := os.Getenv("EDDY_CRASH_KILLS"); s != "" {
		kills, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (EDDY_CRASH_SEED=%d replays it), %d kills", seed, seed, kills)
	return seed, kills
}

func newCrashRig(t *testing.T, bin string, external bool, seed uint64) *crashRig {
	r := &crashRig{t: t, bin: bin, dir: t.TempDir(), sqlAddr: freeAddr(t), external: external, seed: seed,
		rng: rand.New(rand.NewPCG(seed, 1)), table: map[int]string{}, extras: map[string]*extraObject{}}
	r.setStep("setup")
	r.logPath = filepath.Join(t.TempDir(), "eddy.log")
	if external {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		r.kafka = c.ListenAddrs()[0]
	} else {
		r.kafka = freeAddr(t)
	}
	r.bids = &stream{topic: "bid", partitions: 3, value: func(id int) string { return makeBid(id).json() },
		has: func(int) bool { return true }, acked: map[int]bool{}, pending: map[int]bool{}}
	r.clks = &stream{topic: "click", partitions: 2, value: clickJSON,
		has: func(id int) bool { return id%3 == 0 }, acked: map[int]bool{}, pending: map[int]bool{}}
	t.Cleanup(func() {
		if r.cmd != nil {
			r.kill()
		}
		if t.Failed() {
			if r.failedIn == "" {
				r.failedIn = *r.step.Load()
			}
			t.Logf("FAILED first during %s; EDDY_CRASH_SEED=%d replays it", r.failedIn, r.seed)
			t.Log(r.logReport())
		}
	})
	return r
}

func (r *crashRig) setStep(format string, args ...any) {
	if r.failedIn == "" && r.t.Failed() {
		r.failedIn = *r.step.Load()
	}
	s := fmt.Sprintf(format, args...)
	r.step.Store(&s)
}

// logReport keeps eddy's log where the test's temporary directories do
// not delete it, and returns its warnings and errors and its last lines.
func (r *crashRig) logReport() string {
	b, _ := os.ReadFile(r.logPath)
	var out strings.Builder
	if f, err := os.CreateTemp("", "eddy-kill9-*.log"); err == nil {
		f.Write(b)
		f.Close()
		fmt.Fprintf(&out, "eddy's whole log: %s\n", f.Name())
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var notable []string
	for _, l := range lines {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") || strings.Contains(l, "panic") || strings.HasPrefix(l, "----") {
			notable = append(notable, l)
		}
	}
	if len(notable) > 60 {
		notable = append([]string{fmt.Sprintf("(%d earlier lines left out)", len(notable)-60)}, notable[len(notable)-60:]...)
	}
	fmt.Fprintf(&out, "eddy's log, starts, warnings and errors:\n%s\n", strings.Join(notable, "\n"))
	if len(lines) > 100 {
		lines = lines[len(lines)-100:]
	}
	fmt.Fprintf(&out, "eddy's log, last lines:\n%s", strings.Join(lines, "\n"))
	return out.String()
}

// start runs eddy over the data dir, on the same ports every time.
func (r *crashRig) start() {
	args := []string{"--data-dir", r.dir, "--listen", r.sqlAddr, "--http-listen", ""}
	if r.external {
		args = append(args, "--kafka", r.kafka)
	} else {
		args = append(args, "--kafka-listen", r.kafka)
	}
	args = append(args, r.args...)
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	fmt.Fprintf(logf, "---- start (%s)\n", *r.step.Load())
	cmd := exec.Command(r.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	logf.Close()
	exited := make(chan struct{})
	go func() {
		err := cmd.Wait()
		if f, ferr := os.OpenFile(r.logPath, os.O_APPEND|os.O_WRONLY, 0o644); ferr == nil {
			fmt.Fprintf(f, "---- exit: %v\n", err)
			f.Close()
		}
		close(exited)
	}()
	r.cmd, r.exited = cmd, exited
	r.proc.Store(cmd.Process)
}

func (r *crashRig) kill() {
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
	r.cmd = nil
	r.proc.Store(nil)
}

// ready waits until eddy accepts SQL connections (generously: a restart
// on a loaded machine replays Badger's and the broker's logs).
func (r *crashRig) ready(ctx context.Context) error {
	deadline := time.Now().Add(90 * time.Second)
	exited := r.exited
	for {
		c, err := net.DialTimeout("tcp", r.sqlAddr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("eddy did not listen on %s in 90s", r.sqlAddr)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-exited:
			return fmt.Errorf("eddy exited before it listened on %s (its log says why)", r.sqlAddr)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (r *crashRig) url() string {
	return fmt.Sprintf("postgres://eddy@%s/eddy?sslmode=disable", r.sqlAddr)
}

func (r *crashRig) connect(ctx context.Context) (*pgx.Conn, error) {
	if err := r.ready(ctx); err != nil {
		return nil, err
	}
	return pgx.Connect(ctx, r.url())
}

// views are the materialized views and the batch queries they must equal.
var crashViews = []struct{ name, def, batch string }{
	{"v_auction", `SELECT auction, count(*) AS n, sum(price)::int8 AS total, max(price) AS top FROM bid GROUP BY auction`, ""},
	{"v_bidder", `SELECT bidder, count(*) AS n, sum(price)::int8 AS total FROM bid GROUP BY bidder`, ""},
	{"v_bidder_tier", `SELECT v.bidder, v.n, i.tier FROM v_bidder v JOIN bidder_info i ON i.bidder = v.bidder`,
		`SELECT v.bidder, v.n, i.tier FROM (SELECT bidder, count(*) AS n FROM bid GROUP BY bidder) v JOIN bidder_info i ON i.bidder = v.bidder`},
	{"v_tier", `SELECT i.tier, count(*) AS n, sum(b.price)::int8 AS total FROM bid b JOIN bidder_info i ON i.bidder = b.bidder GROUP BY i.tier`, ""},
	{"v_win", `SELECT window_start, count(*) AS n, sum(price)::int8 AS total FROM TUMBLE(bid, ts, ` + crashWindow + `) GROUP BY window_start`, ""},
	{"v_win_eowc", `SELECT window_start, count(*) AS n, sum(price)::int8 AS total FROM TUMBLE(bid, ts, ` + crashWindow + `) GROUP BY window_start EMIT ON WINDOW CLOSE`,
		// The windows the watermark closed, once the view has read every
		// record: those that end by the greatest time less the delay (the
		// greatest time is never on a window's end: bursts are 15s).
		`SELECT window_start, count(*) AS n, sum(price)::int8 AS total FROM TUMBLE(bid, ts, ` + crashWindow + `) GROUP BY window_start ` +
			`HAVING window_start + ` + crashWindow + ` <= (SELECT max(ts) FROM bid) - ` + crashDelay},
	{"v_clicks", `SELECT page, count(*) AS n, count(DISTINCT bidder) AS bidders FROM click GROUP BY page`, ""},
	{"v_click_bid", `SELECT c.page, count(*) AS n, sum(b.price)::int8 AS total FROM click c JOIN bid b ON b.id = c.id GROUP BY c.page`, ""},
	{"v_even", `SELECT id, auction, price FROM bid WHERE price % 2 = 0`, ""},
	// Append-only, fed by two sources and nothing downstream: its feeds
	// commit in the background (flow_pipeline.go).
	{"v_union", `SELECT id, bidder FROM bid WHERE price % 3 = 0 UNION ALL SELECT id, bidder FROM click WHERE page <> 'p0'`, ""},
}

// setup creates the sources, the table, the views and the sinks, over
// records already in the topics (so CREATE loads them) and more after.
func (r *crashRig) setup() {
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
		`CREATE SOURCE bid (id BIGINT, auction BIGINT, bidder BIGINT, price BIGINT, ts TIMESTAMP,
			WATERMARK FOR ts AS ts - ` + crashDelay + `) WITH (topic = 'bid', format = 'json', partitions = '3')`,
		`CREATE SOURCE click (id BIGINT, bidder BIGINT, page TEXT) WITH (topic = 'click', format = 'json', partitions = '2')`,
		`CREATE TABLE bidder_info (bidder BIGINT PRIMARY KEY, tier TEXT NOT NULL)`,
		// Large enough that a view over it loads in several epochs
		// (exec's snapshotChunk), which kills can land between.
		`CREATE TABLE big (k BIGINT PRIMARY KEY, g BIGINT, v BIGINT)`,
		`INSERT INTO big SELECT i, i % 40, i % 1000 FROM generate_series(1, ` + strconv.Itoa(crashBigRows) + `) i`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for b := 0; b < crashBidders; b += 2 {
		r.table[b] = fmt.Sprintf("t%d", b%3)
		if _, err := c.Exec(ctx, fmt.Sprintf(`INSERT INTO bidder_info VALUES (%d, 't%d')`, b, b%3)); err != nil {
			t.Fatal(err)
		}
	}
	for range 4 {
		if err := r.produceBurst(ctx, crashBurst); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range crashViews {
		emit := ""
		def := v.def
		if strings.HasSuffix(def, " EMIT ON WINDOW CLOSE") {
			def, emit = strings.TrimSuffix(def, " EMIT ON WINDOW CLOSE"), " EMIT ON WINDOW CLOSE"
		}
		q := `CREATE MATERIALIZED VIEW ` + v.name + ` AS ` + def + emit
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, q := range []string{
		`CREATE SINK s_auction FROM v_auction WITH (topic = 's_auction', envelope = 'upsert', partitions = '2')`,
		`CREATE SINK s_tier FROM v_tier WITH (topic = 's_tier', envelope = 'upsert')`,
		`CREATE SINK s_even FROM v_even WITH (topic = 's_even', envelope = 'append', partitions = '2')`,
		// Sinks with dataflows of their own: of a query over the source, and
		// of the source itself (filtered by the query).
		`CREATE SINK s_even_q FROM (SELECT id, auction, price FROM bid WHERE price % 2 = 0) WITH (topic = 's_even_q', envelope = 'append', partitions = '2')`,
		`CREATE SINK s_auction_q FROM (` + crashViews[0].def + `) WITH (topic = 's_auction_q', envelope = 'upsert')`,
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for range 2 {
		if err := r.produceBurst(ctx, crashBurst); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(ctx)
	r.kill()
}

// watchdog reports a run still going after limit and kills eddy: printed
// to stderr, which go test passes on at once, and with eddy gone whatever
// waits on it fails and the test reports (at go test's -timeout it would
// print no t.Log output).
func (r *crashRig) watchdog(limit time.Duration) *time.Timer {
	t := r.t
	return time.AfterFunc(limit, func() {
		fmt.Fprintf(os.Stderr, "%s: still running after %s, during %s (EDDY_CRASH_SEED=%d replays it); killing eddy\n%s\n",
			t.Name(), limit, *r.step.Load(), r.seed, r.logReport())
		if p := r.proc.Load(); p != nil {
			p.Kill()
		}
	})
}

func (r *crashRig) run(kills int) {
	t := r.t
	defer r.watchdog(crashWatchdog(kills)).Stop()
	r.setup()
	for i := range kills {
		r.cycle(i)
	}
	r.finish()
	t.Logf("%d kills (%d before eddy listened); %d records were cut off by a kill and found in the topic, %d sent again",
		kills, r.stats.beforeReady, r.stats.foundPending, r.stats.resent)
}

// cycle starts eddy, works on it (reconcile, then produce, DML and
// sometimes DDL, concurrently) and kills it at a random moment, counted
// from the start of the process so that some kills hit the recovery.
func (r *crashRig) cycle(i int) {
	t := r.t
	killAfter := time.Duration(50+r.rng.IntN(2500)) * time.Millisecond
	dmlSeed, ddlSeed, ddl := r.rng.Uint64(), r.rng.Uint64(), r.rng.IntN(2) == 0
	// The producer draws its pauses from a generator of its own: drawn
	// from r.rng, their number (which depends on timing) would shift the
	// later cycles' draws, and a seed would replay only the first cycle.
	pauses := rand.New(rand.NewPCG(r.rng.Uint64(), 4))
	r.setStep("cycle %d (kill after %s, DDL %v)", i, killAfter, ddl)
	r.start()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	// running names the workers that have not returned, for a report if
	// one does not return after the kill.
	var running sync.Map
	worker := func(name string, f func()) {
		wg.Add(1)
		running.Store(name, true)
		go func() {
			defer wg.Done()
			defer running.Delete(name)
			f()
		}()
	}
	var mu sync.Mutex
	var errs []error
	// Errors from the moment of the kill on are the kill's.
	var killing atomic.Bool
	fail := func(err error) {
		if err != nil && !killing.Load() {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	}
	// Reconciling reads the topics and the table as the restarted eddy
	// and broker have them; the workers wait for it.
	reconciled := make(chan struct{})
	worker("reconcile and produce", func() {
		if err := r.ready(ctx); err != nil {
			fail(err)
			return
		}
		if err := r.reconcile(ctx); err != nil {
			fail(err)
			return
		}
		close(reconciled)
		for ctx.Err() == nil {
			fail(r.produceBurst(ctx, crashBurst))
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(pauses.IntN(60)) * time.Millisecond):
			}
		}
	})
	worker("DML", func() {
		select {
		case <-reconciled:
		case <-ctx.Done():
			return
		}
		fail(r.dml(ctx, dmlSeed))
	})
	if ddl {
		worker("DDL", func() {
			select {
			case <-reconciled:
			case <-ctx.Done():
				return
			}
			fail(r.ddl(ctx, i, ddlSeed, &mu))
		})
	}
	time.Sleep(killAfter)
	select {
	case <-reconciled:
	default:
		r.stats.beforeReady++
	}
	killing.Store(true)
	r.kill()
	cancel()
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(2 * time.Minute):
		var names []string
		running.Range(func(k, _ any) bool { names = append(names, k.(string)); return true })
		sort.Strings(names)
		t.Fatalf("cycle %d: workers %q did not return in 2 minutes after the kill", i, names)
	}
	if len(errs) > 0 {
		t.Fatalf("cycle %d: %v", i, errors.Join(errs...))
	}
}

// produceBurst sends the pending records again, then a burst of new bids
// (and their clicks), and notes which the broker acknowledged.
func (r *crashRig) produceBurst(ctx context.Context, n int) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(r.kafka), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	// With the embedded broker, the kill takes the broker down and kgo
	// would retry the records in flight for ever: closing the client fails
	// them, and they stay pending. Nothing can land after that, the broker
	// being dead. An external broker lives on, so a burst to it completes,
	// kill or not (else a request in flight might land after reconcile
	// read the topic).
	if r.external {
		ctx = context.WithoutCancel(ctx)
	}
	closed := context.AfterFunc(ctx, cl.Close)
	defer func() {
		if closed() {
			cl.Close()
		}
	}()
	type sent struct {
		s  *stream
		id int
	}
	var recs []*kgo.Record
	var ids []sent
	add := func(s *stream, id int) {
		s.pending[id] = true
		recs = append(recs, &kgo.Record{Topic: s.topic, Partition: s.partition(id), Value: []byte(s.value(id))})
		ids = append(ids, sent{s, id})
	}
	for _, s := range []*stream{r.bids, r.clks} {
		for _, id := range sortedKeys(s.pending) {
			r.stats.resent++
			add(s, id)
		}
	}
	for id := r.next; id < r.next+n; id++ {
		for _, s := range []*stream{r.bids, r.clks} {
			if s.has(id) {
				add(s, id)
			}
		}
	}
	r.next += n
	res := cl.ProduceSync(ctx, recs...)
	for i, pr := range res {
		if pr.Err == nil {
			delete(ids[i].s.pending, ids[i].id)
			ids[i].s.acked[ids[i].id] = true
		}
	}
	if err := res.FirstErr(); err != nil && ctx.Err() == nil && !errors.Is(err, kgo.ErrClientClosed) {
		return fmt.Errorf("produce: %w", err)
	}
	return nil
}

func sortedKeys[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

// reconcile checks the restarted broker and eddy against what the test
// was told: every acknowledged record is in its topic once, every
// committed DML statement is in the table; and it settles what a kill cut
// off (pending records, the uncertain statement).
func (r *crashRig) reconcile(ctx context.Context) error {
	for _, s := range []*stream{r.bids, r.clks} {
		recs, err := readTopic(ctx, r.kafka, s.topic, false)
		if err != nil {
			return err
		}
		seen := map[int]int{}
		for _, rec := range recs {
			var v struct{ ID int }
			if err := json.Unmarshal(rec.Value, &v); err != nil {
				return fmt.Errorf("topic %s: %q: %w", s.topic, rec.Value, err)
			}
			seen[v.ID]++
		}
		for id, n := range seen {
			if n > 1 {
				return fmt.Errorf("the broker holds record %d of %s %d times", id, s.topic, n)
			}
			if !s.acked[id] && !s.pending[id] {
				return fmt.Errorf("the broker holds record %d of %s, which was never sent", id, s.topic)
			}
		}
		for id := range s.acked {
			if seen[id] == 0 {
				return fmt.Errorf("the broker lost record %d of %s, which it had acknowledged", id, s.topic)
			}
		}
		for id := range s.pending {
			if seen[id] > 0 {
				delete(s.pending, id)
				s.acked[id] = true
				r.stats.foundPending++
			}
		}
	}
	c, err := pgx.Connect(ctx, r.url())
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	rows, err := c.Query(ctx, `SELECT bidder, tier FROM bidder_info`)
	if err != nil {
		return err
	}
	got := map[int]string{}
	for rows.Next() {
		var b int
		var tier string
		if err := rows.Scan(&b, &tier); err != nil {
			return err
		}
		got[b] = tier
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if u := r.uncertain; u != nil {
		done, undone := true, true
		for b := range u.after {
			done = done && got[b] == u.after[b]
			undone = undone && got[b] == u.before[b]
		}
		if !done && !undone {
			return fmt.Errorf("a statement cut off by the kill was half applied: %s: before %v after %v, table %v", u.sql, u.before, u.after, got)
		}
		if done {
			for b, v := range u.after {
				setTier(r.table, b, v)
			}
		}
		r.uncertain = nil
	}
	for b := range crashBidders {
		if got[b] != r.table[b] {
			return fmt.Errorf("bidder_info after a restart: bidder %d is %q, committed %q", b, got[b], r.table[b])
		}
	}
	return nil
}

func setTier(m map[int]string, b int, v string) {
	if v == "" {
		delete(m, b)
	} else {
		m[b] = v
	}
}

// dml changes bidder_info at random until ctx ends: updates, deletes and
// inserts, some of two rows in one statement, some in a transaction.
func (r *crashRig) dml(ctx context.Context, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2))
	c, err := pgx.Connect(ctx, r.url())
	if err != nil {
		return nil // killed
	}
	defer c.Close(context.Background())
	for ctx.Err() == nil {
		b1, b2 := rng.IntN(crashBidders), rng.IntN(crashBidders)
		tier := fmt.Sprintf("t%d", rng.IntN(4))
		ch := &dmlChange{before: map[int]string{}, after: map[int]string{}}
		for _, b := range []int{b1, b2} {
			ch.before[b] = r.table[b]
		}
		var stmts []string
		switch {
		case r.table[b1] == "":
			stmts = []string{fmt.Sprintf(`INSERT INTO bidder_info VALUES (%d, '%s')`, b1, tier)}
			ch.after[b1] = tier
		case rng.IntN(4) == 0:
			stmts = []string{fmt.Sprintf(`DELETE FROM bidder_info WHERE bidder = %d`, b1)}
			ch.after[b1] = ""
		case rng.IntN(3) == 0 && b1 != b2 && r.table[b2] != "":
			stmts = []string{"BEGIN",
				fmt.Sprintf(`UPDATE bidder_info SET tier = '%s' WHERE bidder = %d`, tier, b1),
				fmt.Sprintf(`DELETE FROM bidder_info WHERE bidder = %d`, b2), "COMMIT"}
			ch.after[b1], ch.after[b2] = tier, ""
		default:
			stmts = []string{fmt.Sprintf(`UPDATE bidder_info SET tier = '%s' WHERE bidder IN (%d, %d)`, tier, b1, b2)}
			for _, b := range []int{b1, b2} {
				if r.table[b] != "" {
					ch.after[b] = tier
				}
			}
		}
		ch.sql = strings.Join(stmts, "; ")
		for b := range ch.before {
			if _, ok := ch.after[b]; !ok {
				delete(ch.before, b)
			}
		}
		r.uncertain = ch
		for _, q := range stmts {
			if _, err := c.Exec(ctx, q); err != nil {
				if ctx.Err() != nil || c.IsClosed() {
					return nil // the kill; reconcile settles ch
				}
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		r.uncertain = nil
		for b, v := range ch.after {
			setTier(r.table, b, v)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(rng.IntN(30)) * time.Millisecond):
		}
	}
	return nil
}

// finish restarts eddy for good, settles the last kill and checks the
// views and the sinks.
func (r *crashRig) finish() {
	t := r.t
	r.setStep("the last restart")
	r.start()
	// Generous: the views catch up with the backlog of all the cycles,
	// on a machine that may be loaded.
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	defer func() { t.Logf("the last restart and its checks took %s", time.Since(start).Round(time.Millisecond)) }()
	if err := r.ready(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	for len(r.bids.pending)+len(r.clks.pending) > 0 {
		if err := r.produceBurst(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	c, err := pgx.Connect(ctx, r.url())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	// The topics hold each record once (reconcile checked); the batch
	// queries read them, so the expected answers are the batch queries'.
	for _, v := range crashViews {
		batch := v.batch
		if batch == "" {
			batch = v.def
		}
		r.setStep("the check of view %s", v.name)
		r.waitEqual(ctx, c, v.name, batch)
	}
	r.setStep("the check of the views and sinks DDL created")
	r.checkExtras(ctx, c)
	for _, row := range queryRows(t, c, `SELECT name, coalesce(input, ''), late_rows FROM eddy_catalog.eddy_views WHERE late_rows <> 0`) {
		// The test keeps event time within the watermark's delay, so a late
		// row means an epoch took records far out of order.
		t.Errorf("late rows dropped (the expected answers assume none): %s", row)
	}

	// Sinks, read as a read_committed consumer would.
	var want []string
	for id := range r.bids.acked {
		if b := makeBid(id); b.price%2 == 0 {
			want = append(want, fmt.Sprintf(`{"id":%d,"auction":%d,"price":%d}`, b.id, b.auction, b.price))
		}
	}
	r.setStep("the check of the sinks")
	r.checkAppend(ctx, "s_even", want)
	r.checkAppend(ctx, "s_even_q", want)
	r.checkUpsert(ctx, c, "s_auction_q", "v_auction", []string{"auction", "n", "total", "top"}, []string{"auction"})
	r.checkUpsert(ctx, c, "s_auction", "v_auction", []string{"auction", "n", "total", "top"}, []string{"auction"})
	r.checkUpsert(ctx, c, "s_tier", "v_tier", []string{"tier", "n", "total"}, []string{"tier"})
	r.checkExtraSinks(ctx, c)
	c.Close(ctx)
	r.stop()
	r.setStep("the check for orphaned data")
	r.checkOrphans()
}

// stop ends eddy with SIGTERM, so that it closes Badger: a SIGKILL can
// leave files that Badger itself cannot open (see exec's removeEmptyLogs),
// and checkOrphans opens Badger directly.
func (r *crashRig) stop() {
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
		r.cmd = nil
		r.proc.Store(nil)
	case <-time.After(time.Minute):
		r.t.Errorf("eddy did not stop in a minute after SIGTERM")
		r.kill()
	}
}

// waitEqual waits until the view equals the batch query (the view may
// still be catching up with the topics).
func (r *crashRig) waitEqual(ctx context.Context, c *pgx.Conn, view, batch string) {
	t := r.t
	t.Helper()
	var got, want []string
	for {
		got = sortedRows(t, c, `SELECT * FROM `+view)
		want = sortedRows(t, c, batch)
		if slices.Equal(got, want) {
			return
		}
		if ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var missing, extra []string
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	t.Errorf("view %s differs from its batch query (%d rows, want %d):\n missing %q\n extra %q", view, len(got), len(want), head(missing), head(extra))
}

func head(s []string) []string {
	if len(s) > 10 {
		return append(s[:10:10], fmt.Sprintf("... %d more", len(s)-10))
	}
	return s
}

// checkAppend: the topic holds each wanted record (a JSON object) exactly
// once.
func (r *crashRig) checkAppend(ctx context.Context, topic string, want []string) {
	t := r.t
	want = slices.Clone(want)
	for i, w := range want {
		want[i] = canonJSON(t, w)
	}
	sort.Strings(want)
	var got []string
	for {
		recs, err := readTopic(ctx, r.kafka, topic, true)
		if err != nil {
			t.Fatal(err)
		}
		got = got[:0]
		for _, rec := range recs {
			got = append(got, canonJSON(t, string(rec.Value)))
		}
		sort.Strings(got)
		if len(got) >= len(want) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Multisets: a query's rows may repeat (its wanted count is then more
	// than one).
	var dup, missing, extra []string
	counts := map[string]int{}
	for _, g := range got {
		counts[g]++
	}
	for _, w := range want {
		counts[w]--
	}
	for _, r := range slices.Sorted(maps.Keys(counts)) {
		_, wanted := slices.BinarySearch(want, r)
		switch c := counts[r]; {
		case c < 0:
			missing = append(missing, r)
		case c > 0 && wanted:
			dup = append(dup, r)
		case c > 0:
			extra = append(extra, r)
		}
	}
	if len(dup)+len(missing)+len(extra) > 0 {
		t.Errorf("append sink topic %s: %d records, want %d; duplicated %q, missing %q, unexpected %q",
			topic, len(got), len(want), head(dup), head(missing), head(extra))
	}
}

// checkUpsert: the last value of each key is the view's row (tombstones
// for keys no longer in it), no key gets the same value twice in a row (a
// change delivered twice), and the queue sequence numbers the records
// carry never go back within a partition (a transaction replayed).
func (r *crashRig) checkUpsert(ctx context.Context, c *pgx.Conn, topic, view string, cols, key []string) {
	t := r.t
	viewRows := func() map[string]string {
		out := map[string]string{}
		var args []string
		for _, c := range cols {
			args = append(args, "'"+c+"', "+c)
		}
		rs, err := c.Query(ctx, `SELECT json_build_object(`+strings.Join(args, ", ")+`)::text FROM `+view)
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		for rs.Next() {
			var s string
			if err := rs.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out[jsonKey(t, s, key)] = canonJSON(t, s)
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	r.checkUpsertWith(ctx, topic, viewRows)
}

// checkUpsertRows is checkUpsert of the rows (canonical JSON objects) that
// rows returns, keyed by the columns key.
func (r *crashRig) checkUpsertRows(ctx context.Context, topic string, key []string, rows func() []string) {
	r.checkUpsertWith(ctx, topic, func() map[string]string {
		out := map[string]string{}
		for _, row := range rows() {
			out[jsonKey(r.t, row, key)] = row
		}
		return out
	})
}

// checkUpsertWith is checkUpsert of the rows, by key, that viewRows returns.
func (r *crashRig) checkUpsertWith(ctx context.Context, topic string, viewRows func() map[string]string) {
	t := r.t
	want := viewRows()
	var recs []*kgo.Record
	var last map[string]string
	for {
		var err error
		if recs, err = readTopic(ctx, r.kafka, topic, true); err != nil {
			t.Fatal(err)
		}
		last = map[string]string{}
		for _, rec := range recs {
			k := canonJSON(t, string(rec.Key))
			if rec.Value == nil {
				delete(last, k)
			} else {
				last[k] = canonJSON(t, string(rec.Value))
			}
		}
		if mapsEqual(last, want) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !mapsEqual(last, want) {
		t.Errorf("upsert sink topic %s: last values\n %v\nwant (the view)\n %v", topic, last, want)
	}
	prev := map[string]string{}
	seq := map[int32]uint64{}
	dups := 0
	for _, rec := range recs {
		k := canonJSON(t, string(rec.Key))
		v := "<tombstone>"
		if rec.Value != nil {
			v = canonJSON(t, string(rec.Value))
		}
		if p, ok := prev[k]; ok && p == v {
			if dups++; dups <= 5 {
				t.Errorf("upsert sink topic %s: key %s got %s twice in a row (offset %d)", topic, k, v, rec.Offset)
			}
		}
		prev[k] = v
		for _, h := range rec.Headers {
			if h.Key == "eddy-seq" {
				n, _ := strconv.ParseUint(string(h.Value), 10, 64)
				if n < seq[rec.Partition] {
					t.Errorf("upsert sink topic %s[%d]: eddy-seq %d after %d at offset %d: a queue entry produced twice", topic, rec.Partition, n, seq[rec.Partition], rec.Offset)
				}
				seq[rec.Partition] = n
			}
		}
	}
	t.Logf("sink %s: %d records for %d keys", topic, len(recs), len(want))
}

func mapsEqual(a, b map[string]string) bool {
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

// canonJSON re-encodes a JSON object with sorted keys and numbers as
// written.
func canonJSON(t *testing.T, s string) string {
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not a JSON object: %q: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonKey(t *testing.T, row string, key []string) string {
	d := json.NewDecoder(strings.NewReader(row))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	k := map[string]any{}
	for _, c := range key {
		k[c] = v[c]
	}
	b, _ := json.Marshal(k)
	return string(b)
}

// readTopic reads every record of a topic up to its end as of now: the
// high watermark, or with committed the last stable offset, and then only
// the records a read_committed consumer gets.
//
// Committed, it reads twice. A read_committed consumer cannot tell when it
// has read up to the end: when the last records below it belong to a
// transaction that the embedded broker (kfake) aborted on restart, which it
// does without writing an abort marker, they are skipped and nothing
// arrives at end-1. So a first pass reads uncommitted, where every offset
// arrives, and tells committed records by the transaction markers; the
// second, read_committed, reads until the last of those, and must get
// exactly them.
func readTopic(ctx context.Context, seed, topic string, committed bool) ([]*kgo.Record, error) {
	admin, err := kgo.NewClient(kgo.SeedBrokers(seed))
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	ends, err := topicEnds(ctx, admin, topic, committed)
	if err != nil {
		return nil, err
	}
	all, err := consumeTo(ctx, seed, topic, ends, false)
	if err != nil || !committed {
		return all, err
	}
	// A commit marker commits its producer's records since its last marker.
	var want []*kgo.Record
	open := map[int64][]*kgo.Record{}
	for _, rec := range all {
		switch {
		case rec.Attrs.IsControl():
			if len(rec.Key) >= 4 && rec.Key[3] == 1 {
				want = append(want, open[rec.ProducerID]...)
			}
			delete(open, rec.ProducerID)
		case !rec.Attrs.IsTransactional():
			want = append(want, rec)
		default:
			open[rec.ProducerID] = append(open[rec.ProducerID], rec)
		}
	}
	last := map[int32]int64{}
	for _, rec := range want {
		last[rec.Partition] = max(last[rec.Partition], rec.Offset+1)
	}
	got, err := consumeTo(ctx, seed, topic, last, true)
	if err != nil {
		return nil, err
	}
	var out []*kgo.Record
	for _, rec := range got {
		if !rec.Attrs.IsControl() {
			out = append(out, rec)
		}
	}
	if len(out) != len(want) {
		return nil, fmt.Errorf("topic %s: a read_committed consumer gets %d records, the markers commit %d", topic, len(out), len(want))
	}
	for i := range out {
		if out[i].Partition != want[i].Partition || out[i].Offset != want[i].Offset {
			return nil, fmt.Errorf("topic %s: a read_committed consumer gets %d@%d, the markers commit %d@%d",
				topic, out[i].Partition, out[i].Offset, want[i].Partition, want[i].Offset)
		}
	}
	return out, nil
}

// consumeTo reads each partition from its start until a record at end-1,
// keeping control records, and returns the records below the ends in
// partition and offset order.
func consumeTo(ctx context.Context, seed, topic string, ends map[int32]int64, committed bool) ([]*kgo.Record, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(seed), kgo.KeepControlRecords(), kgo.FetchMaxWait(200 * time.Millisecond)}
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	assign := map[int32]kgo.Offset{}
	for p, end := range ends {
		if end > 0 {
			assign[p] = kgo.NewOffset().AtStart()
		}
	}
	if len(assign) == 0 {
		return nil, nil
	}
	cl, err := kgo.NewClient(append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: assign}))...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var out []*kgo.Record
	reached := map[int32]bool{}
	for len(reached) < len(assign) {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("read topic %s up to %v (committed %v): %w", topic, ends, committed, ctx.Err())
		}
		for _, fe := range fs.Errors() {
			return nil, fmt.Errorf("read topic %s[%d]: %w", fe.Topic, fe.Partition, fe.Err)
		}
		fs.EachRecord(func(rec *kgo.Record) {
			if rec.Offset >= ends[rec.Partition]-1 {
				reached[rec.Partition] = true
			}
			if rec.Offset < ends[rec.Partition] {
				out = append(out, rec)
			}
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Offset < out[j].Offset
	})
	return out, nil
}

// topicEnds lists each partition's end offset.
func topicEnds(ctx context.Context, cl *kgo.Client, topic string, committed bool) (map[int32]int64, error) {
	meta := kmsg.NewPtrMetadataRequest()
	mt := kmsg.NewMetadataRequestTopic()
	mt.Topic = kmsg.StringPtr(topic)
	meta.Topics = append(meta.Topics, mt)
	mresp, err := meta.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	if len(mresp.Topics) != 1 {
		return nil, fmt.Errorf("metadata of %s: %d topics", topic, len(mresp.Topics))
	}
	if err := kerr.ErrorForCode(mresp.Topics[0].ErrorCode); err != nil {
		return nil, fmt.Errorf("metadata of %s: %w", topic, err)
	}
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	if committed {
		req.IsolationLevel = 1
	}
	lt := kmsg.NewListOffsetsRequestTopic()
	lt.Topic = topic
	for _, p := range mresp.Topics[0].Partitions {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition = p.Partition
		rp.Timestamp = -1
		rp.CurrentLeaderEpoch = -1
		lt.Partitions = append(lt.Partitions, rp)
	}
	req.Topics = append(req.Topics, lt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return nil, err
	}
	out := map[int32]int64{}
	for _, rt := range resp.Topics {
		for _, rp := range rt.Partitions {
			if err := kerr.ErrorForCode(rp.ErrorCode); err != nil {
				return nil, fmt.Errorf("list offsets of %s[%d]: %w", topic, rp.Partition, err)
			}
			out[rp.Partition] = rp.Offset
		}
	}
	return out, nil
}
