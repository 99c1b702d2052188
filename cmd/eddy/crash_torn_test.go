package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestKill9TornTail kills eddy while it commits, then tears the tail of
// Badger's newest write-ahead log (the memtable's .mem file) and value log
// as a power failure in the middle of a write could: it truncates the data
// written last by some bytes, zeroes them, or flips one of them. The
// restarted eddy must then either refuse to start with a message that says
// what is wrong, or come back consistent: each transaction wholly there or
// wholly gone, the ones that are there a prefix of those that committed
// (the log is replayed in order), a view equal to its query, and no
// corrupted row served. A kill -9 alone tears nothing (the page cache
// keeps what eddy wrote); this is the crash a kill cannot make.
func TestKill9TornTail(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildEddy(t)
	seed, kills := crashSeedKills(t, 8)
	r := newCrashRig(t, bin, false, seed)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r.start()
	c, err := r.connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustExec(t, c, `CREATE TABLE tt (id BIGINT PRIMARY KEY, batch INT NOT NULL, v TEXT NOT NULL)`)
	mustExec(t, c, `CREATE MATERIALIZED VIEW ttv AS SELECT batch, count(*) AS n, sum(id)::int8 AS ids, min(v) AS v FROM tt GROUP BY batch`)
	c.Close(ctx)
	acked := 0 // batches 1..acked committed
	var lost, refused int
	for i := range kills {
		r.setStep("cycle %d", i)
		c, err := r.connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// Commit batches until the kill.
		stop := time.Now().Add(time.Duration(100+r.rng.IntN(1200)) * time.Millisecond)
		for time.Now().Before(stop) {
			b := acked + 1
			if _, err := c.Exec(ctx, fmt.Sprintf(`INSERT INTO tt SELECT %d * 1000 + g, %d, repeat(chr(97 + %d %% 26), 30) FROM generate_series(0, 19) g`, b, b, b)); err != nil {
				t.Fatalf("batch %d: %v", b, err)
			}
			acked = b
		}
		r.kill()
		c.Close(context.Background())
		tore := tearTail(t, r.dir, r.rng)
		r.setStep("restart %d after tearing: %s", i, tore)
		logBefore, _ := os.ReadFile(r.logPath)
		r.start()
		if err := r.ready(ctx); err != nil {
			// Refused: it must say why, in words, and not have served.
			log, _ := os.ReadFile(r.logPath)
			msg := strings.TrimSpace(string(log[len(logBefore):]))
			if !strings.Contains(msg, "level=ERROR") && !strings.Contains(strings.ToLower(msg), "error") {
				t.Fatalf("eddy did not start after %s and said no error:\n%s", tore, msg)
			}
			t.Logf("eddy refused to start after %s: %s", tore, lastLine(msg))
			refused++
			return
		}
		c, err = r.connect(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := tornCheck(t, ctx, c, acked)
		if got < acked {
			lost += acked - got
			t.Logf("after %s: %d of %d batches (the last %d torn away)", tore, got, acked, acked-got)
		}
		acked = got
		c.Close(ctx)
	}
	r.stop()
	t.Logf("%d tears, %d batches torn away in all, %d refusals to start", kills, lost, refused)
}

// tornCheck checks the table and view after a restart and returns how
// many batches are there.
func tornCheck(t *testing.T, ctx context.Context, c *pgx.Conn, acked int) int {
	t.Helper()
	rows, err := c.Query(ctx, `SELECT batch, count(*), count(DISTINCT id), sum(id)::int8, min(v), max(v) FROM tt GROUP BY batch ORDER BY batch`)
	if err != nil {
		t.Fatal(err)
	}
	var batches []int
	for rows.Next() {
		var b, n, d int
		var sum int64
		var lo, hi string
		if err := rows.Scan(&b, &n, &d, &sum, &lo, &hi); err != nil {
			t.Fatal(err)
		}
		want := strings.Repeat(string(rune('a'+b%26)), 30)
		if n != 20 || d != 20 || sum != int64(b)*1000*20+190 || lo != want || hi != want {
			t.Fatalf("batch %d after a torn tail: %d rows, %d ids summing to %d, v from %q to %q; want 20 rows of %q", b, n, d, sum, lo, hi, want)
		}
		batches = append(batches, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for i, b := range batches {
		if b != i+1 {
			t.Fatalf("batches after a torn tail: %v, not a prefix of 1..%d", head(intStrings(batches)), acked)
		}
	}
	if len(batches) > acked {
		t.Fatalf("%d batches after a torn tail, %d committed", len(batches), acked)
	}
	if err := viewEquals(ctx, c, `ttv`, `SELECT batch, count(*) AS n, sum(id)::int8 AS ids, min(v) AS v FROM tt GROUP BY batch`); err != nil {
		t.Fatal(err)
	}
	return len(batches)
}

func intStrings(xs []int) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = strconv.Itoa(x)
	}
	return out
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// tearTail damages the last bytes written to the newest .mem file and
// the newest .vlog file of Badger's directory dir (the last non-zero
// bytes: both files are preallocated and written through memory maps)
// and says what it did.
func tearTail(t *testing.T, dir string, rng *rand.Rand) string {
	t.Helper()
	var did []string
	for _, ext := range []string{".mem", ".vlog"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
		if len(files) == 0 {
			continue
		}
		sort.Strings(files) // zero-padded file ids
		path := files[len(files)-1]
		end := dataEnd(t, path)
		if end <= 64 {
			continue // a header only: nothing written after it
		}
		// Mostly within the last write; sometimes across several.
		k := int64(1 + rng.IntN(200))
		if rng.IntN(3) == 0 {
			k = int64(1 + rng.IntN(4000))
		}
		k = min(k, end-64)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		var what string
		switch rng.IntN(3) {
		case 0:
			err = f.Truncate(end - k)
			what = fmt.Sprintf("truncated %s at %d (-%d bytes)", filepath.Base(path), end-k, k)
		case 1:
			_, err = f.WriteAt(make([]byte, k), end-k)
			what = fmt.Sprintf("zeroed the last %d bytes of %s (of %d)", k, filepath.Base(path), end)
		default:
			off := end - k
			b := make([]byte, 1)
			if _, err = f.ReadAt(b, off); err == nil {
				b[0] ^= byte(1 + rng.IntN(255))
				_, err = f.WriteAt(b, off)
			}
			what = fmt.Sprintf("flipped the byte at %d of %s (of %d)", off, filepath.Base(path), end)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
		did = append(did, what)
	}
	if len(did) == 0 {
		return "nothing to tear"
	}
	return strings.Join(did, ", ")
}

// dataEnd is the offset after the last non-zero byte of path. The files
// are sparse and mostly holes: SEEK_DATA and SEEK_HOLE find where the last
// written extent ends, and the search for the last non-zero byte goes
// back from there.
func dataEnd(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	const seekData, seekHole = 3, 4
	from := st.Size()
	fd := int(f.Fd())
	if d, err := syscall.Seek(fd, 0, seekData); err == nil {
		from = 0
		for pos := d; ; {
			h, err := syscall.Seek(fd, pos, seekHole)
			if err != nil {
				break
			}
			from = h
			if pos, err = syscall.Seek(fd, h, seekData); err != nil {
				break // no data after the hole
			}
		}
	}
	const chunk = 1 << 16
	buf := make([]byte, chunk)
	for end := from; end > 0; end -= chunk {
		start := max(0, end-chunk)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		for i := n - 1; i >= 0; i-- {
			if buf[i] != 0 {
				return start + int64(i) + 1
			}
		}
	}
	return 0
}
