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
const memLimitMargin = 256 << 20

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
