// Package slt runs sqllogictest scripts against any server that speaks the
// PostgreSQL wire protocol.
//
// It exists so that eddy is measured by the same scripts other databases are
// measured by, through the real wire protocol, and so that the same scripts can
// be run against PostgreSQL itself to tell a runner bug from an engine bug.
//
// # Two dialects
//
// The scripts come in two dialects that share their record syntax but differ in
// how results are written and compared. [Options.Format] selects one; when it is
// empty the file extension decides (".test" is sqlite, anything else rs).
//
//   - "sqlite": D. Richard Hipp's original sqllogictest (the SQLite corpus).
//     Results are written one value per line. Every value is rendered by the
//     column's declared type (I, R or T, see below), so that engines that print
//     numbers differently still compare equal. Results with more values than the
//     hash threshold (default 8) are compared as an md5 hash.
//   - "rs": sqllogictest-rs, as RisingWave and others use it. Results are written
//     one row per line, values separated by whitespace, and compared as the
//     server prints them in text format, after collapsing runs of whitespace.
//     The type string is not checked. The hash threshold defaults to 0 (never).
//
// # Rendering
//
// Every query runs over the simple query protocol, so every value arrives as
// PostgreSQL's text output. NULL is "NULL" and an empty string is "(empty)" in
// both dialects. In the sqlite dialect the declared type then converts the text
// the way the reference harness's C code would:
//
//   - I: an integer printed with %d. A value that is not an integer is converted
//     like C's atoi/strtod followed by a cast: "2.5" becomes 2, "-2.5" becomes
//     -2, "1e3" becomes 1000, text that is not a number becomes 0. A boolean
//     becomes 1 or 0, as SQLite (which has no booleans) would give.
//   - R: a float printed with %.3f. Non-numbers become 0.000, booleans
//     1.000/0.000, and NaN/Infinity print as C does ("nan", "inf", "-inf").
//   - T: the text itself, booleans as PostgreSQL prints them ("t"/"f"), with
//     every byte outside ' '..'~' replaced by '@' (so a multi-byte UTF-8
//     character becomes several '@').
//
// # Records
//
// statement ok|error|count, query, hash-threshold, halt, skipif/onlyif (matched
// case-insensitively against [Options.Engine] and [Options.Labels]), sleep,
// control sortmode|resultmode, connection, subtest and "retry N backoff D"
// suffixes are supported. include, system, let and control substitution are not:
// such a record is reported as a failure of that record, never silently skipped,
// so a script that needs them cannot pass by accident.
//
// A failure never stops the file (unless [Options.MaxFailures] is reached): a
// connection that breaks is reported against the record that broke it, and the
// next record reconnects.
package slt
