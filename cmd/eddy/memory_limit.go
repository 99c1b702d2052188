package main

import (
	"math"
	"runtime/debug"
)

// Go's collector lets the heap grow to about twice what is live before it
// runs, so without a limit a process whose Badger caches and buffers are
// bounded by --state-cache still peaked at two to four times the cache
// (README, State memory). A soft memory limit makes the collector run
// sooner as the heap nears it: it costs collector CPU only when the heap
// is near the limit, and the runtime caps that at about half the CPU, so
// a process over its limit slows down rather than thrashes.
//
// When the user has set GOMEMLIMIT, the runtime has already applied it and
// eddy leaves it alone; otherwise it sets twice the state cache plus
// memLimitMargin: the cache's own bytes, as much again for what a view's
// work holds besides them (an epoch's rows, fetched records, tables being
// built), and the margin for the rest of the process.
//
// The runtime keeps the heap it has freed, unreturned, up to the limit, so
// a busy process's anonymous memory sits at the limit whatever is live:
// Nexmark q9 and q18 at a 256 MiB cache had 310-350 MiB live in the heap
// profile and 680-740 MiB resident under a 768 MiB limit. The margin was
// 256 MiB; 128 MiB (a 640 MiB limit at 256 MiB, still near twice what is
// live) leaves room beside the heap for the tables' mapped pages
// (table_pages.go), which the limit does not count, within 4x the cache.
//
// GOGC stays the runtime's: at 200 and 300 under the limit, Nexmark q9,
// q19 and q20 (200K events, default cache) used no less CPU per event,
// and peaked at 1.3 to 2 times the resident memory.
const memLimitMargin = 128 << 20

// goMemoryLimit returns the soft memory limit eddy sets for a state cache
// of cache bytes, and false when the user's GOMEMLIMIT (env, as
// os.LookupEnv) is to be kept instead.
func goMemoryLimit(cache int64, env func(string) (string, bool)) (int64, bool) {
	if v, ok := env("GOMEMLIMIT"); ok && v != "" {
		return 0, false
	}
	if cache > (math.MaxInt64-memLimitMargin)/2 {
		return math.MaxInt64, true
	}
	return 2*cache + memLimitMargin, true
}

// applyMemoryLimit sets the process's soft memory limit for the state
// cache unless GOMEMLIMIT chose one; it returns the limit in force.
func applyMemoryLimit(cache int64, env func(string) (string, bool)) int64 {
	if limit, ok := goMemoryLimit(cache, env); ok {
		debug.SetMemoryLimit(limit)
		return limit
	}
	return debug.SetMemoryLimit(-1)
}
