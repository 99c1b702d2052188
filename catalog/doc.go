// Package catalog holds eddy's durable metadata: the schemas, tables, views,
// materialized views, sources and sinks that SQL statements name. Descriptors
// live in memory for lookups and are written through to Badger, in the same
// database that holds the data, so that a restart reopens exactly what was
// committed. The virtual pg_catalog and information_schema relations are built
// from these descriptors by the planner; this package knows nothing of queries.
package catalog
