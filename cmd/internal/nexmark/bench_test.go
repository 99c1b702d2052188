package nexmark

import (
	"os"
	"strings"
	"testing"
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
