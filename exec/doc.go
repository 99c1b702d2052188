// Package exec runs plans. Every operator consumes and produces batches of
// changes — rows with signed multiplicities — so that one set of operators
// serves both a batch query (fed one snapshot, then closed) and, later, a
// continuous one (fed forever). Operators pull batches from their inputs;
// an epoch ends when Next returns nil, and a batch query is one epoch.
//
// build.go turns a planner.Node into operators (one buildX per node kind);
// eval.go compiles planner expressions into closures once per plan; the
// operators live in op_*.go. engine.go, session.go, stmt.go and own*.go
// implement the server's Engine: sessions, transactions and statements;
// dml.go and constraints.go write rows and enforce constraints; source*.go
// read and write Kafka topics; privileges.go checks what a role may do;
// memory.go bounds what one statement holds. Table rows live in Badger under
// catalog.PrefixRows, keyed by primary key (or a row id).
//
// Materialized views are dataflows (flow.go) fed each epoch with the
// changes of the transaction that commits it (flow_txn.go). Their stateful
// nodes keep state in Badger (flow_state.go): aggregates and equi-joins
// are maintained incrementally (flow_agg.go, flow_join.go), the rest by a
// keyed operator that re-runs the batch operator over the touched keys
// (flow_keyed.go); the view's rows are written where a table's are
// (flow_sink.go). A view over a source tails the topic and commits its
// offsets with its state (flow_source.go). A topic table (table_topic.go)
// is a table whose only writer is an ingest goroutine: it upserts each
// poll's records, runs the views that read the table through the same
// changeLog and viewTxn as DML, and commits the offsets with them. Records
// that do not decode may go to a dead-letter topic from these continuous
// readers (dead_letter.go). matview.go creates and resumes views,
// flow_subscribe.go serves SUBSCRIBE over them, sink*.go writes their
// changes to Kafka.
// A transaction's changes reach the views in chunks and at commit; while
// it feeds a view it holds the view's lock (flow_lock.go) until it ends,
// and a statement too large for one Badger transaction commits in steps,
// each with the views' changes it makes (constraints.go); a statement that
// feeds no view journals its steps so that a crash or failure takes them
// back (step_journal.go).
package exec
