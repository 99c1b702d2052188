// Package planner turns parsed statements into plans: plain data that exec
// builds operators from. Binding resolves names against the catalog and types
// every expression with PostgreSQL's rules (unknown-typed literals take the
// type their context needs; integer arithmetic stays integer; comparisons
// across numeric types promote), so exec evaluates without looking anything
// up. The same logical plan serves a batch query (run once over a snapshot)
// and a continuous one (run forever over changes): plans say what to compute,
// never how often.
//
// Layers: bind_*.go build the plan from the TiDB AST (after sql's PostgreSQL
// dialect layer), scope.go resolves column names, expr.go and plan.go hold the
// node types, explain.go prints plans. optimize.go rewrites plans with small
// rules; decorrelate.go turns subqueries, which exec runs per row, into the
// joins and aggregates a continuous query can keep up to date.
package planner
