// Package exec runs plans. Every operator consumes and produces batches of
// changes — rows with signed multiplicities — so that one set of operators
// serves both a batch query (fed one snapshot, then closed) and, later, a
// continuous one (fed forever). Operators pull batches from their inputs;
// an epoch ends when Next returns nil, and a batch query is one epoch.
//
// build.go turns a planner.Node into operators (one buildX per node kind);
// eval.go compiles planner expressions into closures once per plan; each
// operator lives in its own file. engine.go, session.go and stmt_*.go
// implement the server's Engine: sessions, transactions and statements.
// Table rows live in Badger under catalog.PrefixRows, keyed by primary key.
package exec
