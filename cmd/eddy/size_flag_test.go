package main

import (
	"testing"

	"github.com/eddysql/eddy/exec"
)

func TestByteSize(t *testing.T) {
	for in, want := range map[string]int64{
		"256MiB": 256 << 20, "256mb": 256 << 20, "1GiB": 1 << 30, "1.5GB": 3 << 29, "512k": 512 << 10,
		"1048576": 1 << 20, "64 MiB": 64 << 20, "100b": 100,
	} {
		var s byteSize
		if err := s.Set(in); err != nil || int64(s) != want {
			t.Errorf("%q: %d, %v; want %d", in, s, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1GiB", "lots", "1PiB2"} {
		var s byteSize
		if err := s.Set(in); err == nil {
			t.Errorf("%q: accepted as %d", in, s)
		}
	}
	s := byteSize(256 << 20)
	if s.String() != "256MiB" {
		t.Errorf("String() = %s", s.String())
	}
}

// TestStateCacheFlag checks the flag, its environment variable and its
// default.
func TestStateCacheFlag(t *testing.T) {
	c, err := parseFlags(nil)
	if err != nil || int64(c.stateCache) != exec.DefaultStateCache {
		t.Fatalf("default: %d, %v", c.stateCache, err)
	}
	t.Setenv("EDDY_STATE_CACHE", "512MiB")
	if c, err = parseFlags(nil); err != nil || c.stateCache != 512<<20 {
		t.Errorf("EDDY_STATE_CACHE=512MiB: %d, %v", c.stateCache, err)
	}
	if c, err = parseFlags([]string{"--state-cache", "256MiB"}); err != nil || c.stateCache != 256<<20 {
		t.Errorf("--state-cache 256MiB over the environment: %d, %v", c.stateCache, err)
	}
	if _, err = parseFlags([]string{"--state-cache", "big"}); err == nil {
		t.Error("--state-cache big accepted")
	}
}
