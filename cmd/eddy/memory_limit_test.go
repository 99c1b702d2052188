package main

import (
	"math"
	"testing"
)

func TestGoMemoryLimit(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	set := func(k string) (string, bool) {
		if k == "GOMEMLIMIT" {
			return "768MiB", true
		}
		return "", false
	}
	empty := func(k string) (string, bool) { return "", k == "GOMEMLIMIT" }
	for _, c := range []struct {
		name  string
		cache int64
		env   func(string) (string, bool)
		limit int64
		ok    bool
	}{
		{"256MiB cache", 256 << 20, none, 640 << 20, true},
		{"default cache", 2 << 30, none, 4<<30 + 128<<20, true},
		{"GOMEMLIMIT set wins", 256 << 20, set, 0, false},
		// The runtime ignores an empty GOMEMLIMIT, so eddy sets its own.
		{"GOMEMLIMIT empty", 256 << 20, empty, 640 << 20, true},
		{"huge cache does not overflow", math.MaxInt64 / 2, none, math.MaxInt64, true},
	} {
		limit, ok := goMemoryLimit(c.cache, c.env)
		if limit != c.limit || ok != c.ok {
			t.Errorf("%s: goMemoryLimit(%d) = %d, %v; want %d, %v", c.name, c.cache, limit, ok, c.limit, c.ok)
		}
	}
}
