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
// Materialized views are dataflows (flow*.go): the same operators, fed one
// epoch of changes at a time, with stateful ones keeping their state in
// Badger under catalog.PrefixState. A transaction that changes a table runs
// the epochs of the views it reaches at commit, inside its own Badger
// transaction (flow_txn.go); a view over a source tails the topic and
// commits its offsets with its state (flow_source.go). A topic table
// (table_topic.go) is a table whose only writer is an ingest goroutine: it
// upserts each poll's records, runs the views that read the table through
// the same changeLog and viewTxn as DML, and commits the offsets with them.
// Records that do not decode may go to a dead-letter topic from these
// continuous readers (dead_letter.go). matview.go creates
// and resumes views, flow_subscribe.go serves SUBSCRIBE over them, sink*.go
// writes their changes to Kafka.
package exec
