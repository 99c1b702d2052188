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
// Materialized views (flow*.go, matview.go) are dataflows built from the
// same operators. A transaction's changes to the tables a view reads are
// fed to it in chunks and at commit (flow_txn.go), and the view's state
// and rows commit in the same Badger transaction as the changes, so that a
// view is never behind its tables, nor ahead of them after a crash. While a
// transaction feeds a view it holds the view's lock (flow_lock.go), from its
// first chunk to its end; a statement too large for one Badger transaction
// commits in steps, each with the views' changes it makes
// (constraints.go).
package exec
