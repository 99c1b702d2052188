package exec

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/eddysql/eddy/catalog"
	"github.com/eddysql/eddy/planner"
	"github.com/eddysql/eddy/server"
)

// Engine owns the Badger database, the catalog and the sessions.
type Engine struct {
	db      *badger.DB
	cat     *catalog.Catalog
	planner *planner.Planner
	log     *slog.Logger

	// queryMemory bounds the rows one statement keeps (memory.go).
	queryMemory atomic.Int64
	// epochInterval is how long a view fed by a source gathers polls into
	// one epoch (nanoseconds; 0: each poll is an epoch).
	epochInterval atomic.Int64

	seqMu sync.Mutex
	seqs  map[uint32]*badger.Sequence

	seqStates sync.Map // sequence OID -> *seqState (sequence.go)

	// backends are the sessions by process ID, for pg_cancel_backend
	// (system_backends.go).
	backends sync.Map // pid -> backend
	// notify routes NOTIFY to the listeners (notify.go); advisory holds
	// the advisory locks (advisory.go).
	notify   notifyHub
	advisory advisoryTable
	// temps hands out the sessions' temporary schemas (temp_tables.go).
	temps tempSlots

	// kafka is nil when eddy runs without Kafka (source.go).
	kafka   *kafkaConn
	sources sync.Map // source OID -> *sourceStats
	// feedErrs holds why a view's feed of a source is failing, while it
	// is, by feedKey (flow_source.go); eddy_view_sources shows it.
	feedErrs sync.Map

	// flows maintain the materialized views (flow*.go); ctx ends the
	// goroutines that feed them.
	flows flowSet
	sinks sinkSet
	// ingests feed the topic tables (table_topic.go).
	ingests ingestSet
	ctx     context.Context
	cancel  context.CancelFunc
	// keyedViews: new views use keyedOp only (WithKeyedViews).
	keyedViews bool
	// stateCache bounds Badger's memory (WithStateCache, state_cache.go).
	stateCache int64
	// gcDone closes when the value-log GC loop (datadir.go) has stopped.
	gcDone chan struct{}
	// pagesDone closes when the loop paging out mapped tables
	// (table_pages.go) has stopped.
	pagesDone chan struct{}
	// disk refuses writes while the data dir's file system is nearly
	// full (disk.go); nil in memory.
	disk *diskGuard
}

// Option configures an Engine.
type Option func(*Engine)

// WithKafka gives the engine the seed brokers that sources and sinks use,
// and the options (SASL, TLS) every client of the cluster needs; without
// seeds CREATE SOURCE fails.
func WithKafka(seeds []string, opts ...kgo.Opt) Option {
	return func(e *Engine) {
		if len(seeds) > 0 {
			e.kafka = &kafkaConn{seeds: append([]string(nil), seeds...), opts: opts, log: e.log}
		}
	}
}

// WithKeyedViews makes the materialized views created from now on use
// the generic keyed operator (flow_keyed.go) for every stateful node, as
// before the specialized aggregate and join: a baseline for benchmarks.
// A view keeps the operators it was created with across restarts.
func WithKeyedViews(on bool) Option {
	return func(e *Engine) { e.keyedViews = on }
}

// Configure applies options known only after Open (the embedded broker
// starts after the engine has locked the data directory). It must be called
// before the engine serves sessions.
func (e *Engine) Configure(opts ...Option) {
	for _, o := range opts {
		o(e)
	}
	if e.planner != nil {
		e.startFeeds()
		e.startSinks()
		e.startIngests()
	}
}

var _ server.Engine = (*Engine)(nil)

// Open opens (or creates) the data directory.
func Open(dataDir string, log *slog.Logger, options ...Option) (*Engine, error) {
	if log == nil {
		log = slog.Default()
	}
	// The store is sized before it opens, from the options that say how
	// (WithStateCache); the others apply to the engine below.
	shape := Engine{stateCache: DefaultStateCache}
	for _, o := range options {
		o(&shape)
	}
	opts, err := storeOptions(dataDir, shape.stateCache)
	if err != nil {
		return nil, err
	}
	if dataDir != "" {
		if err := checkDataDir(dataDir); err != nil {
			return nil, err
		}
		if err := removeEmptyLogs(dataDir, log); err != nil {
			return nil, err
		}
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open data dir %q (is it an eddy data directory?): %w", dataDir, err)
	}
	if err := markEddy(db, dataDir); err != nil {
		db.Close()
		return nil, err
	}
	cat, err := catalog.Open(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := cat.EnsureBootstrapRole(); err != nil {
		db.Close()
		return nil, fmt.Errorf("create superuser: %w", err)
	}
	if err := recoverJournals(db, log); err != nil {
		db.Close()
		return nil, err
	}
	if err := settleIndexBuilds(db, cat, log); err != nil {
		db.Close()
		return nil, err
	}
	if err := dropOrphans(cat, log); err != nil {
		db.Close()
		return nil, err
	}
	e := &Engine{db: db, cat: cat, log: log, seqs: map[uint32]*badger.Sequence{}, flows: flowSet{mu: newViewRWMutex()}, stateCache: shape.stateCache}
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.queryMemory.Store(DefaultQueryMemory)
	if dataDir != "" {
		e.disk = newDiskGuard(dataDir)
	}
	e.planner = &planner.Planner{Cat: cat, Virtual: eddyRelations{systemRelations{}}}
	e.Configure(options...)
	e.startFlows()
	e.gcDone, e.pagesDone = make(chan struct{}), make(chan struct{})
	if dataDir == "" {
		close(e.gcDone) // in memory: no value log
		close(e.pagesDone)
	} else {
		go e.gcLoop(e.gcDone)
		go e.tablePagesLoop(dataDir, e.pagesDone)
	}
	return e, nil
}

// SetEpochInterval sets how long a view fed by a source gathers records
// into one epoch (one commit) before it commits them; 0 commits each poll.
// It applies to feeds that start after it.
func (e *Engine) SetEpochInterval(d time.Duration) { e.epochInterval.Store(int64(d)) }

// SetDiskReserve sets how many bytes must stay free on the data
// directory's file system for writes to go on (0: no reserve; disk.go).
func (e *Engine) SetDiskReserve(n int64) { e.disk.setReserve(uint64(max(n, 0))) }

// SetQueryMemory sets how many bytes of rows one statement may hold
// (0 means no limit).
func (e *Engine) SetQueryMemory(n int64) { e.queryMemory.Store(n) }

// Close closes the database; sessions must be closed first.
func (e *Engine) Close() error {
	e.cancel()
	e.stopIngests(nil, true)
	e.stopSinks(nil, true)
	_ = e.flows.mu.rlock(context.Background())
	for _, f := range e.flows.byOID {
		if f.feedStop != nil {
			f.feedStop()
		}
		f.temporal.stop()
	}
	e.flows.mu.runlock()
	e.seqMu.Lock()
	for _, s := range e.seqs {
		s.Release()
	}
	e.seqs = nil
	e.seqMu.Unlock()
	e.kafka.close()
	<-e.gcDone
	<-e.pagesDone
	return e.db.Close()
}

// Catalog exposes the catalog (for tests and tools).
func (e *Engine) Catalog() *catalog.Catalog { return e.cat }

// Connect opens a session.
func (e *Engine) Connect(ctx context.Context, user, database string, params map[string]string) (server.Session, error) {
	s := newSession(e, user, database, params)
	if r := e.cat.Role(user); r != nil && !r.Superuser {
		s.settings["is_superuser"] = "off"
	}
	return s, nil
}
