package nexmark

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestStatusField(t *testing.T) {
	status := "Name:\teddy\nVmPeak:\t 2000000 kB\nVmHWM:\t  1340924 kB\nRssAnon:\t  983488 kB\nRssFile:\t  232150 kB\n"
	for field, want := range map[string]int64{"VmHWM": 1340924 << 10, "RssAnon": 983488 << 10, "RssFile": 232150 << 10} {
		got, err := statusField(strings.NewReader(status), field)
		if err != nil || got != want {
			t.Errorf("%s: %d, %v; want %d", field, got, err, want)
		}
	}
	if _, err := statusField(strings.NewReader(status), "VmSwap"); err == nil {
		t.Error("a missing field: no error")
	}
	if _, err := statusField(strings.NewReader("VmHWM:\tmany kB\n"), "VmHWM"); err == nil {
		t.Error("a malformed field: no error")
	}
	// This process's own.
	if hwm, err := procStatus(os.Getpid(), "VmHWM"); err != nil || hwm <= 0 {
		t.Errorf("own VmHWM: %d, %v", hwm, err)
	}
}

// TestPeerDidNotRun: a peer that cannot be built is said plainly, and
// the build is not attempted without the peer's module.
func TestPeerDidNotRun(t *testing.T) {
	_, err := buildBenthosPeer(t.Context(), t.TempDir(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no peer module") {
		t.Fatalf("build without a module: %v", err)
	}
	var b strings.Builder
	printPeerTable(&b, peerResult{Name: "eddy (sink)", Events: 10, Rows: 1, Elapsed: time.Second, CPU: time.Second}, peerResult{}, err)
	if !strings.Contains(b.String(), "THE BENTHOS PEER DID NOT RUN: no peer module") {
		t.Errorf("table without the peer:\n%s", b.String())
	}
	b.Reset()
	printPeerTable(&b, peerResult{Name: "eddy (sink)", Events: 100, Rows: 1, Elapsed: time.Second, CPU: time.Second},
		peerResult{Name: "benthos", Events: 100, Rows: 1, Elapsed: 5 * time.Second, CPU: 2 * time.Second}, nil)
	if !strings.Contains(b.String(), "eddy vs benthos: 5.00x bids/s, 2.00x bids/CPU-s") {
		t.Errorf("table with the peer:\n%s", b.String())
	}
}
