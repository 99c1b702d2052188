package nexmark

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// `eddy nexmark latency` measures how long a bid takes from the producer
// to a reader, at a fixed wall-clock rate. The generator runs in this
// process and paces itself; for every bid it notes time.Now() just before
// the produce call. Three readers note when each bid arrives:
//
//   - subscribe: COPY (SUBSCRIBE (SELECT date_time FROM bid) WITH
//     (snapshot = false)) TO STDOUT on an eddy child process;
//   - view: the same over the materialized view of --query (q0 by default),
//     which delivers each committed change of the view;
//   - baseline: a plain franz-go consumer of the bid topic that decodes
//     each record with encoding/json.
//
// Each reader is a process of its own (this binary: `eddy nexmark latency
// --copy SQL` or `--consumer`) that notes each arrival's time and writes
// it to its stdout; the machine's one wall clock makes the times
// comparable. Readers in this process would share a Go runtime with the
// broker and the producer: the baseline, woken by the broker's write
// through this process's own netpoll, would cross no process at all where
// each of eddy's readers crosses two (broker to eddy, eddy to its client),
// and all three would wait for this process's busy scheduler. --readers
// inprocess measures that way still (as before).
//
// A bid is known by its date_time: the stream is generated with one event
// per millisecond of event time (--event-rate 1000), so date_time is the
// event's number. Bids produced in the warm-up are not counted.

// latencyEventRate is the event-time rate that makes date_time identify
// an event: event n is at base + n milliseconds.
const latencyEventRate = 1000

func latencyMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy nexmark latency", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rate := fs.Float64("rate", 10_000, "events per second of wall time (all kinds; 46 of 50 are bids)")
	seconds := fs.Float64("seconds", 10, "seconds to measure, after the warm-up")
	warmup := fs.Duration("warmup", time.Second, "produce this long before recording")
	drain := fs.Duration("drain", 10*time.Second, "after producing, wait this long at most for the last bids")
	query := fs.String("query", "q0", "the view to subscribe to, by name (its rows must carry the bid's date_time)")
	dir := fs.String("dir", "testdata/nexmark", "directory of sources.sql and the q*.sql files")
	kafka := fs.String("kafka", "", "Kafka brokers (empty: an in-memory broker in this process); the topics must be empty or missing")
	partitions := fs.Int("partitions", 1, "partitions of each topic")
	seed := fs.Uint64("seed", 1, "random seed")
	keep := fs.Bool("keep", false, "keep the eddy data directory (under $TMPDIR)")
	cpuProfile := fs.String("eddy-cpuprofile", "", "write a CPU profile of the eddy child to this file")
	tracePath := fs.String("eddy-trace", "", "write a Go execution trace of the eddy child to this file")
	where := fs.String("readers", "process", "where the readers run: process (a child process each) or inprocess (goroutines of this process, next to the broker and the producer)")
	consumer := fs.Bool("consumer", false, "be a reader process: the baseline consumer of bid from --kafka; it writes each bid's date_time (ms) and arrival time (UnixNano) to stdout")
	copySQL := fs.String("copy", "", "be a reader process: run this COPY (SUBSCRIBE ...) TO STDOUT on the eddy at --addr and write each bid's date_time (ms) and arrival time to stdout")
	addr := fs.String("addr", "", "eddy's address, for --copy")
	dump := fs.String("dump", "", "write every measured arrival to this file: reader, event number, produce time (UnixNano), latency (ns)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *consumer {
		seeds := splitList(*kafka)
		if len(seeds) == 0 {
			return fmt.Errorf("--consumer needs --kafka")
		}
		return readerMain(ctx, os.Stdin, stdout, func(ctx context.Context, ready func(), got func(int64, time.Time)) error {
			return consume(ctx, seeds, ready, got)
		})
	}
	if *copySQL != "" {
		return readerMain(ctx, os.Stdin, stdout, func(ctx context.Context, ready func(), got func(int64, time.Time)) error {
			return copyRows(ctx, *addr, *copySQL, ready, got)
		})
	}
	if *where != "process" && *where != "inprocess" {
		return fmt.Errorf("--readers must be process or inprocess")
	}
	if *rate <= 0 || *seconds <= 0 || *partitions < 1 {
		return fmt.Errorf("--rate, --seconds and --partitions must be > 0")
	}
	srcs, err := LoadSources(*dir)
	if err != nil {
		return err
	}
	all, err := LoadQueries(*dir)
	if err != nil {
		return err
	}
	qi := slices.IndexFunc(all, func(q Query) bool { return q.Name == *query })
	if qi < 0 {
		return fmt.Errorf("no query %s in %s", *query, *dir)
	}
	q := all[qi]
	seeds := splitList(*kafka)
	if len(seeds) == 0 {
		cl, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.ClusterID("nexmark"), kfake.DefaultNumPartitions(1))
		if err != nil {
			return fmt.Errorf("embedded broker: %w", err)
		}
		defer cl.Close()
		seeds = cl.ListenAddrs()
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ProducerLinger(0),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()))
	if err != nil {
		return fmt.Errorf("kafka client: %w", err)
	}
	defer prod.Close()
	for _, t := range Topics {
		if err := CreateTopic(ctx, prod, t, int32(*partitions)); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var eddyArgs []string
	if *cpuProfile != "" {
		eddyArgs = append(eddyArgs, "--cpuprofile", *cpuProfile)
	}
	if *tracePath != "" {
		eddyArgs = append(eddyArgs, "--trace", *tracePath)
	}
	e, err := startEddy(ctx, self, seeds, eddyArgs, "latency", *keep)
	if err != nil {
		return err
	}
	defer e.stop()
	for _, s := range append(srcs, q.Create) {
		if _, err := e.conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}

	total := int64(*rate * (warmup.Seconds() + *seconds))
	warmN := int64(*rate * warmup.Seconds())
	base := DefaultBaseTime
	lat := &latencyRun{sent: make([]atomic.Int64, total), warmN: warmN, baseMs: base.UnixMilli()}
	for n := warmN; n < total; n++ {
		if KindOf(n) == Bid {
			lat.want++
		}
	}
	rctx, stopReaders := context.WithCancel(ctx)
	defer stopReaders()
	readers := []*latencyReader{{name: "subscribe"}, {name: "view " + q.Name}, {name: "baseline"}}
	var wg sync.WaitGroup
	errc := make(chan error, len(readers))
	copies := []string{
		`COPY (SUBSCRIBE (SELECT date_time FROM bid) WITH (snapshot = false)) TO STDOUT`,
		`COPY (SUBSCRIBE (SELECT date_time FROM ` + q.Name + `) WITH (snapshot = false)) TO STDOUT`,
	}
	procs := make([]*readerProc, len(readers))
	for i, r := range readers {
		got := func(ms int64, at time.Time) { lat.receive(r, ms, at) }
		if *where == "process" {
			args := []string{"--consumer", "--kafka", strings.Join(seeds, ",")}
			if i < len(copies) {
				args = []string{"--copy", copies[i], "--addr", e.addr}
			}
			p, err := startReader(rctx, self, args, got)
			if err != nil {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			defer p.stop()
			procs[i] = p
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := p.wait(); err != nil && rctx.Err() == nil {
					errc <- fmt.Errorf("%s: %w", r.name, err)
				}
			}()
			continue
		}
		ready := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if i < len(copies) {
				err = copyRows(rctx, e.addr, copies[i], func() { close(ready) }, got)
			} else {
				err = consume(rctx, seeds, func() { close(ready) }, got)
			}
			if err != nil && rctx.Err() == nil {
				errc <- fmt.Errorf("%s: %w", r.name, err)
			}
		}()
		select {
		case <-ready:
		case err := <-errc:
			return err
		}
	}

	fmt.Fprintf(stderr, "producing %d events at %.0f/s (%.1fs warm-up)\n", total, *rate, warmup.Seconds())
	// eddy's CPU time while it serves the readers: on shared cores the
	// latencies swing with the load, what eddy spends per event much less.
	cpu0, err := procCPU(e.pid)
	if err != nil {
		return err
	}
	bproc := procs[len(procs)-1]
	var bcpu0, bcpu1 time.Duration
	if bproc != nil {
		if bcpu0, err = procCPU(bproc.cmd.Process.Pid); err != nil {
			return err
		}
	}
	if err := lat.produce(ctx, prod, *seed, base, *rate, total); err != nil {
		return err
	}
	deadline := time.Now().Add(*drain)
	for time.Now().Before(deadline) && !lat.allDone(readers) {
		select {
		case err := <-errc:
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
	cpu1, err := procCPU(e.pid)
	if err != nil {
		return err
	}
	if bproc != nil {
		if bcpu1, err = procCPU(bproc.cmd.Process.Pid); err != nil {
			return err
		}
	}
	stopReaders()
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	if *dump != "" {
		if err := lat.dump(*dump, readers); err != nil {
			return err
		}
	}
	lat.print(stdout, readers, *rate, *seconds, *partitions)
	fmt.Fprintf(stdout, "eddy used %.2f CPU-s, %.1f µs per event produced\n", (cpu1 - cpu0).Seconds(),
		float64((cpu1-cpu0).Microseconds())/float64(total))
	if bproc != nil {
		fmt.Fprintf(stdout, "the baseline consumer used %.2f CPU-s, %.1f µs per event produced\n", (bcpu1 - bcpu0).Seconds(),
			float64((bcpu1-bcpu0).Microseconds())/float64(total))
	} else {
		fmt.Fprintf(stdout, "the readers ran in this process, next to the broker and the producer (--readers inprocess)\n")
	}
	return nil
}

// latencyRun holds the produce times of one run, by event number.
type latencyRun struct {
	sent   []atomic.Int64 // UnixNano just before the produce call; 0 before it
	warmN  int64          // events before this one are the warm-up
	want   int64          // bids after the warm-up
	baseMs int64
}

// latencyReader is one reader's latencies. Only its own goroutine appends.
type latencyReader struct {
	name  string
	mu    sync.Mutex
	lat   []time.Duration
	n     []int64 // the event number of each latency, for --dump
	other int64   // rows that were not a measured bid's first arrival
}

func (r *latencyReader) count() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(len(r.lat))
}

func (l *latencyRun) allDone(rs []*latencyReader) bool {
	for _, r := range rs {
		if r.count() < l.want {
			return false
		}
	}
	return true
}

// produce writes events 0..total-1, paced to rate per second of wall time.
func (l *latencyRun) produce(ctx context.Context, cl *kgo.Client, seed uint64, base time.Time, rate float64, total int64) error {
	g := NewGenerator(seed, base, latencyEventRate)
	errc := make(chan error, 1)
	done := func(_ *kgo.Record, err error) {
		if err != nil {
			select {
			case errc <- err:
			default:
			}
		}
	}
	start := time.Now()
	for n := range total {
		if ahead := time.Duration(float64(n)/rate*float64(time.Second)) - time.Since(start); ahead > 0 {
			time.Sleep(ahead)
		}
		k, v := g.Append(nil, n)
		l.sent[n].Store(time.Now().UnixNano())
		cl.Produce(ctx, &kgo.Record{Topic: Topics[k], Value: v}, done)
		select {
		case err := <-errc:
			return fmt.Errorf("produce: %w", err)
		default:
		}
	}
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	return nil
}

// receive records that the bid at event time ms arrived at at.
func (l *latencyRun) receive(r *latencyReader, ms int64, at time.Time) {
	n := ms - l.baseMs
	r.mu.Lock()
	defer r.mu.Unlock()
	if n < l.warmN || n >= int64(len(l.sent)) || KindOf(n) != Bid {
		r.other++
		return
	}
	sent := l.sent[n].Load()
	if sent == 0 {
		r.other++
		return
	}
	r.lat = append(r.lat, time.Duration(at.UnixNano()-sent))
	r.n = append(r.n, n)
}

// excess is, for each bid both r and base received, how much longer r
// took, sorted. The run's shared delays (a stalled producer or broker, a
// loaded machine's pause of the bench process) fall on both readers alike
// and cancel here, which they do not in a ratio of two p99s.
func excess(r, base *latencyReader, warmN int64) []time.Duration {
	var hi int64
	for _, n := range base.n {
		hi = max(hi, n+1)
	}
	if hi <= warmN {
		return nil
	}
	at := make([]time.Duration, hi-warmN)
	seen := make([]bool, hi-warmN)
	for i, n := range base.n {
		if n >= warmN {
			at[n-warmN], seen[n-warmN] = base.lat[i], true
		}
	}
	var out []time.Duration
	for i, n := range r.n {
		if n >= warmN && n < hi && seen[n-warmN] {
			out = append(out, r.lat[i]-at[n-warmN])
		}
	}
	slices.Sort(out)
	return out
}

// dump writes each reader's arrivals, before print sorts them.
func (l *latencyRun) dump(path string, rs []*latencyReader) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	w := bufio.NewWriter(f)
	for _, r := range rs {
		name := strings.ReplaceAll(r.name, " ", "_")
		for i, d := range r.lat {
			fmt.Fprintf(w, "%s %d %d %d\n", name, r.n[i], l.sent[r.n[i]].Load(), int64(d))
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("dump: %w", err)
	}
	return f.Close()
}

// copyLineMs reads a COPY (SUBSCRIBE ...) line: eddy_timestamp,
// eddy_diff, date_time. ok is false for a line that is not an insert.
func copyLineMs(line []byte) (ms int64, ok bool) {
	f := bytes.Split(line, []byte{'\t'})
	if len(f) != 3 || string(f[1]) != "1" {
		return 0, false
	}
	t, err := time.Parse("2006-01-02 15:04:05.999999", string(f[2]))
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// copyRows is a SUBSCRIBE reader: it runs sql, a COPY (SUBSCRIBE ...) TO
// STDOUT, on the eddy at addr, and calls got with each inserted row's
// date_time and the time of the read that brought it.
func copyRows(ctx context.Context, addr, sql string, ready func(), got func(ms int64, at time.Time)) error {
	c, err := connect(ctx, addr, nil)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	ready()
	w := &lineWriter{line: func(l []byte, at time.Time) {
		if ms, ok := copyLineMs(l); ok {
			got(ms, at)
		}
	}}
	if _, err := c.PgConn().CopyTo(ctx, w, sql); err != nil && ctx.Err() == nil {
		return err
	}
	return nil
}

// consume is the baseline: a franz-go consumer of the bid topic, from its
// start, that decodes each record with encoding/json and calls got with
// the bid's date_time (ms) and the time its fetch was polled. It calls
// ready once it has reached the broker, so that a consumer slow to start
// (a process, on a loaded machine) is not measured catching up.
func consume(ctx context.Context, seeds []string, ready func(), got func(ms int64, at time.Time)) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics("bid"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return fmt.Errorf("reach the broker: %w", err)
	}
	ready()
	var b bidJSON
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err := fs.Err0(); err != nil {
			return err
		}
		at := time.Now()
		for it := fs.RecordIter(); !it.Done(); {
			rec := it.Next()
			if err := json.Unmarshal(rec.Value, &b); err != nil {
				return fmt.Errorf("decode bid: %w", err)
			}
			t, err := time.Parse("2006-01-02 15:04:05.999", b.DateTime)
			if err != nil {
				return fmt.Errorf("bid date_time %q: %w", b.DateTime, err)
			}
			got(t.UnixMilli(), at)
		}
	}
}

// readerFlush is how often a reader process writes out the arrivals
// it noted: the times are taken as the bids arrive, so holding them delays
// only the count the parent waits on, while a write per fetch would add a
// syscall to every round of the consumer being measured.
const readerFlush = 20 * time.Millisecond

// readerMain is a reader's process (--consumer, --copy): it writes a line
// "ready" once run is ready to read, then "<date_time ms> <arrival
// UnixNano>" per bid run reports, until stdin closes or ctx ends.
func readerMain(ctx context.Context, stdin io.Reader, stdout io.Writer, run func(ctx context.Context, ready func(), got func(int64, time.Time)) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		// The parent ends the child by closing its stdin, or by dying.
		io.Copy(io.Discard, stdin)
		cancel()
	}()
	var mu sync.Mutex
	w := bufio.NewWriterSize(stdout, 64<<10)
	var werr error
	flusher := make(chan struct{})
	go func() {
		defer close(flusher)
		t := time.NewTicker(readerFlush)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			if werr == nil {
				werr = w.Flush()
			}
			mu.Unlock()
		}
	}()
	var line []byte
	err := run(ctx, func() {
		mu.Lock()
		defer mu.Unlock()
		if _, werr = w.WriteString(readerReady + "\n"); werr == nil {
			werr = w.Flush()
		}
	}, func(ms int64, at time.Time) {
		line = strconv.AppendInt(line[:0], ms, 10)
		line = append(line, ' ')
		line = strconv.AppendInt(line, at.UnixNano(), 10)
		line = append(line, '\n')
		mu.Lock()
		w.Write(line)
		mu.Unlock()
	})
	cancel()
	<-flusher
	if werr == nil {
		werr = w.Flush()
	}
	if err == nil {
		err = werr
	}
	return err
}

// readerReady is a reader process's first line: it has reached the broker
// or eddy.
const readerReady = "ready"

// readerProc is a reader's child process.
type readerProc struct {
	cmd   *exec.Cmd
	stdin io.Closer
	done  chan error
}

// startReader starts `eddy nexmark latency <args>` (--consumer or --copy),
// waits until it is ready, and calls got for every arrival it reports.
func startReader(ctx context.Context, self string, args []string, got func(ms int64, at time.Time)) (*readerProc, error) {
	cmd := exec.CommandContext(ctx, self, append([]string{"nexmark", "latency"}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &readerProc{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		var perr error
		if sc.Scan() && sc.Text() == readerReady {
			close(ready)
		} else {
			perr = fmt.Errorf("reader did not start (wrote %q)", sc.Text())
		}
		for perr == nil && sc.Scan() {
			ms, at, ok := parseArrival(sc.Bytes())
			if !ok {
				perr = fmt.Errorf("reader wrote %q", sc.Text())
				break
			}
			got(ms, at)
		}
		io.Copy(io.Discard, out)
		err := cmd.Wait()
		if perr != nil {
			err = perr
		}
		p.done <- err
	}()
	select {
	case <-ready:
		return p, nil
	case err := <-p.done:
		p.done <- err
		return nil, err
	}
}

// parseArrival reads an arrival line of a reader process.
func parseArrival(l []byte) (ms int64, at time.Time, ok bool) {
	a, b, found := bytes.Cut(l, []byte{' '})
	if !found {
		return 0, time.Time{}, false
	}
	ms, err := strconv.ParseInt(string(a), 10, 64)
	if err != nil {
		return 0, time.Time{}, false
	}
	ns, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0, time.Time{}, false
	}
	return ms, time.Unix(0, ns), true
}

// wait returns once the child has exited and its arrivals are read.
func (p *readerProc) wait() error {
	err := <-p.done
	p.done <- err
	return err
}

// stop ends the child: it flushes what it holds and exits.
func (p *readerProc) stop() {
	p.stdin.Close()
	select {
	case <-p.done:
		p.done <- nil
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
	}
}

// lineWriter calls line for each complete line written, with the time of
// the Write that completed it.
type lineWriter struct {
	buf  []byte
	line func(l []byte, at time.Time)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	at := time.Now()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.line(w.buf[:i], at)
		w.buf = w.buf[i+1:]
	}
	if len(w.buf) == 0 {
		w.buf = w.buf[:0:0]
	}
	return len(p), nil
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func (l *latencyRun) print(w io.Writer, rs []*latencyReader, rate, seconds float64, partitions int) {
	type stats struct{ p50, p99, max time.Duration }
	st := make([]stats, len(rs))
	// Paired by bid before the latencies are sorted.
	over := make([]string, len(rs))
	for i, r := range rs[:len(rs)-1] {
		if d := excess(r, rs[len(rs)-1], l.warmN); len(d) > 0 {
			over[i] = ms(quantile(d, 0.99))
		} else {
			over[i] = "-"
		}
	}
	over[len(rs)-1] = "-"
	for i, r := range rs {
		slices.Sort(r.lat)
		if len(r.lat) > 0 {
			st[i] = stats{quantile(r.lat, 0.5), quantile(r.lat, 0.99), r.lat[len(r.lat)-1]}
		}
	}
	b := st[len(st)-1]
	ratio := func(a, b time.Duration) string {
		if b <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", float64(a)/float64(b))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "reader\tbids\tp50 ms\tp99 ms\tmax ms\tp50 / baseline\tp99 / baseline\tmax / baseline\tp99 over baseline ms\t\n")
	for i, r := range rs {
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name, len(r.lat), l.want,
			ms(st[i].p50), ms(st[i].p99), ms(st[i].max), ratio(st[i].p50, b.p50), ratio(st[i].p99, b.p99), ratio(st[i].max, b.max), over[i])
	}
	tw.Flush()
	fmt.Fprintf(w, "%.0f events/s for %.0fs, %d partition(s); latency from just before the produce call to the bid's arrival;\n"+
		"over baseline: what the reader took more than the baseline for the same bid (a stall of the broker or producer delays both)\n",
		rate, seconds, partitions)
}
