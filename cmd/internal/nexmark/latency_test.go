package nexmark

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestLatencyLineWriter(t *testing.T) {
	var got []string
	w := &lineWriter{line: func(l []byte, _ time.Time) { got = append(got, string(l)) }}
	for _, p := range []string{"1\t1\t2024-01-01 00:00:00.005\n1\t1\t2024", "-01-01 00:00:01\n"} {
		w.Write([]byte(p))
	}
	if len(got) != 2 || got[1] != "1\t1\t2024-01-01 00:00:01" {
		t.Fatalf("lines %q", got)
	}
}

// A COPY line's date_time names the event: event n is at base + n ms.
func TestLatencyReceive(t *testing.T) {
	l := &latencyRun{warmN: 50, baseMs: DefaultBaseTime.UnixMilli()}
	l.sent = make([]atomic.Int64, 100)
	l.sent[55].Store(time.Now().Add(-time.Millisecond).UnixNano())
	r := &latencyReader{}
	l.receiveCopyLine(r, []byte("0\t1\t2024-01-01 00:00:00.055"), time.Now()) // event 55, a bid
	l.receiveCopyLine(r, []byte("0\t1\t2024-01-01 00:00:00.005"), time.Now()) // warm-up
	if len(r.lat) != 1 || r.lat[0] < time.Millisecond || r.other != 1 {
		t.Fatalf("latencies %v, other %d", r.lat, r.other)
	}
}
