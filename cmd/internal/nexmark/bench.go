package nexmark

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The benchmark runs each query in a fresh eddy, started as a child
// process of this one (the same binary) over Kafka that this process
// holds: the embedded broker of kfake unless --kafka names one. The
// child's CPU time (/proc/<pid>/stat, from just before CREATE MATERIALIZED
// VIEW to the moment its lag is 0), peak RSS (VmHWM) and peak anonymous
// memory (RssAnon, sampled: the part the kernel cannot drop) are the query's
// alone. The baseline, a plain franz-go consumer that reads the same
// topics and decodes each record into a struct with encoding/json, runs as
// a child process too (eddy nexmark baseline), in the same run.

// Result is one line of the benchmark's table.
type Result struct {
	Name    string
	Events  int64         // events in the topics
	Rows    int64         // rows in the view at the end
	Elapsed time.Duration // from CREATE to lag 0
	CPU     time.Duration // the process's user+system time meanwhile
	PeakRSS int64         // bytes
	// PeakAnon is the most anonymous memory (RssAnon: the heap and
	// stacks, not the mapped files' pages, which the kernel can drop)
	// seen while the view caught up, sampled, in bytes.
	PeakAnon int64
	Err      string
	TimedOut bool
}

func (r Result) rate() float64 { return float64(r.Events) / r.Elapsed.Seconds() }
func (r Result) perCPU() float64 {
	if r.CPU <= 0 {
		return 0
	}
	return float64(r.Events) / r.CPU.Seconds()
}

func benchMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy nexmark bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var gf genFlags
	gf.register(fs)
	queries := fs.String("queries", "q0,q1,q2,q3,q4,q5,q7,q8,q9,q11,q14,q15,q16,q17,q18,q19,q20,q21,q22", "queries to run, by name")
	dir := fs.String("dir", "testdata/nexmark", "directory of sources.sql and the q*.sql files")
	kafka := fs.String("kafka", "", "Kafka brokers holding the events (empty: an in-memory broker in this process, filled by the generator)")
	skipGen := fs.Bool("skip-gen", false, "do not generate: the topics on --kafka hold the events already")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up on a query after this long")
	keep := fs.Bool("keep", false, "keep the eddy data directories (under $TMPDIR)")
	stateCache := fs.String("state-cache", "", "--state-cache of each eddy child, such as 256MiB (empty: eddy's default, or $EDDY_STATE_CACHE)")
	peer := fs.String("peer", "", "also run q2 topic to topic in eddy (a sink) and in this peer engine (benthos), and compare")
	peerDir := fs.String("peer-dir", "cmd/internal/nexmark/benthospeer", "directory of the benthos peer's module")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *peer != "" && *peer != "benthos" {
		return fmt.Errorf("--peer %q: the one peer is benthos", *peer)
	}
	var child []string
	if *stateCache != "" {
		child = append(child, "--state-cache", *stateCache)
	}
	srcs, err := LoadSources(*dir)
	if err != nil {
		return err
	}
	all, err := LoadQueries(*dir)
	if err != nil {
		return err
	}
	var run []Query
	for _, name := range splitList(*queries) {
		i := slices.IndexFunc(all, func(q Query) bool { return q.Name == name })
		if i < 0 {
			return fmt.Errorf("no query %s in %s", name, *dir)
		}
		run = append(run, all[i])
	}
	seeds := splitList(*kafka)
	if len(seeds) == 0 {
		cl, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.ClusterID("nexmark"), kfake.DefaultNumPartitions(1))
		if err != nil {
			return fmt.Errorf("embedded broker: %w", err)
		}
		defer cl.Close()
		seeds = cl.ListenAddrs()
		*skipGen = false
	}
	cfg, err := gf.config(seeds)
	if err != nil {
		return err
	}
	if !*skipGen {
		start := time.Now()
		counts, err := Produce(ctx, cfg)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "generated %d events (person %d, auction %d, bid %d) in %.1fs\n",
			cfg.Events, counts[Person], counts[Auction], counts[Bid], time.Since(start).Seconds())
	}
	events, err := topicEvents(ctx, seeds)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	base, err := runBaseline(ctx, self, seeds, events, stderr)
	if err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Fprintf(stderr, "baseline: %.0f events/s\n", base.rate())
	var results []Result
	for _, q := range run {
		qctx, cancel := context.WithTimeout(ctx, *timeout)
		r, err := runQuery(qctx, self, seeds, child, srcs, q, events, *keep, stderr)
		cancel()
		if err != nil {
			r.Err = err.Error()
			r.TimedOut = qctx.Err() != nil && ctx.Err() == nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		fmt.Fprintf(stderr, "%s: %.1fs\n", q.Name, r.Elapsed.Seconds())
		results = append(results, r)
	}
	printTable(stdout, events, base, results)
	if *peer != "" {
		i := slices.IndexFunc(all, func(q Query) bool { return q.Name == "q2" })
		if i < 0 {
			return fmt.Errorf("--peer: no q2 in %s", *dir)
		}
		return peerCompare(ctx, self, seeds, child, srcs, all[i], *peer, *peerDir, *timeout, *keep, stdout, stderr)
	}
	return nil
}

// topicEvents counts the records in the three topics.
func topicEvents(ctx context.Context, seeds []string) (int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	ends, err := EndOffsets(ctx, cl, Topics[:]...)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, t := range Topics {
		n += ends[t]
	}
	return n, nil
}

func printTable(w io.Writer, events int64, base Result, rs []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "query\tevents/s\tevents/CPU-s\tpeak RSS MiB\tpeak anon MiB\tseconds\tview rows\tvs baseline events/s\tvs baseline events/CPU-s\t\n")
	line := func(r Result) {
		if r.Err != "" {
			what := "failed"
			if r.TimedOut {
				what = "timed out"
			}
			fmt.Fprintf(tw, "%s\t%s after %.0fs\t\t\t\t\t\t\t\t\n", r.Name, what, r.Elapsed.Seconds())
			return
		}
		anon := "" // not sampled (the baseline)
		if r.PeakAnon > 0 {
			anon = strconv.FormatInt(r.PeakAnon>>20, 10)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%d\t%s\t%.2f\t%d\t%.3f\t%.3f\t\n", r.Name, r.rate(), r.perCPU(), r.PeakRSS>>20, anon,
			r.Elapsed.Seconds(), r.Rows, r.rate()/base.rate(), r.perCPU()/base.perCPU())
	}
	line(base)
	for _, r := range rs {
		line(r)
	}
	tw.Flush()
	fmt.Fprintf(w, "%d events; the baseline is a franz-go consumer decoding every record with encoding/json\n", events)
	for _, r := range rs {
		if r.Err != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Name, r.Err)
		}
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// eddyProc is an eddy child process with a connection to it.
type eddyProc struct {
	pid  int
	addr string
	log  string // path of its log
	conn *pgx.Conn
	stop func() // closes the connection, stops the process, removes its directory unless kept
}

// startEddy starts an eddy child process (this binary) over the brokers
// seeds, with its data under a fresh temporary directory and the further
// flags args, and connects to it.
func startEddy(ctx context.Context, self string, seeds, args []string, name string, keep bool) (*eddyProc, error) {
	dir, err := os.MkdirTemp("", "eddy-nexmark-"+name+"-")
	if err != nil {
		return nil, err
	}
	var undo []func()
	cleanup := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	if !keep {
		undo = append(undo, func() { os.RemoveAll(dir) })
	}
	addr, err := freeAddr()
	if err != nil {
		cleanup()
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "eddy.log"))
	if err != nil {
		cleanup()
		return nil, err
	}
	undo = append(undo, func() { logf.Close() })
	cmd := exec.Command(self, append([]string{"--data-dir", filepath.Join(dir, "data"), "--listen", addr,
		"--kafka", strings.Join(seeds, ","), "--http-listen", ""}, args...)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	undo = append(undo, func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	c, err := connect(ctx, addr, exited)
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("%w (log: %s)", err, logf.Name())
	}
	undo = append(undo, func() { c.Close(context.Background()) })
	return &eddyProc{pid: cmd.Process.Pid, addr: addr, log: logf.Name(), conn: c, stop: cleanup}, nil
}

// runQuery starts an eddy, declares the sources and measures one view
// from CREATE to lag 0.
func runQuery(ctx context.Context, self string, seeds, args, srcs []string, q Query, events int64, keep bool, stderr io.Writer) (Result, error) {
	r := Result{Name: q.Name, Events: events}
	e, err := startEddy(ctx, self, seeds, args, q.Name, keep)
	if err != nil {
		return r, err
	}
	defer e.stop()
	c := e.conn
	for _, s := range srcs {
		if _, err := c.Exec(ctx, s); err != nil {
			return r, fmt.Errorf("%s: %w", s, err)
		}
	}
	pid := e.pid
	cpu0, err := procCPU(pid)
	if err != nil {
		return r, err
	}
	start := time.Now()
	if _, err := c.Exec(ctx, q.Create); err != nil {
		r.Elapsed = time.Since(start)
		return r, fmt.Errorf("create: %w", err)
	}
	lagging := `SELECT count(*) FROM eddy_catalog.eddy_view_sources WHERE name = '` + q.Name + `' AND (lag IS NULL OR lag > 0)`
	for {
		var n int64
		if err := c.QueryRow(ctx, lagging).Scan(&n); err != nil {
			r.Elapsed = time.Since(start)
			return r, err
		}
		if anon, err := procStatus(pid, "RssAnon"); err == nil {
			r.PeakAnon = max(r.PeakAnon, anon)
		}
		if n == 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	r.Elapsed = time.Since(start)
	cpu1, err := procCPU(pid)
	if err != nil {
		return r, err
	}
	r.CPU = cpu1 - cpu0
	if r.PeakRSS, err = procStatus(pid, "VmHWM"); err != nil {
		return r, err
	}
	if err := c.QueryRow(ctx, `SELECT count(*) FROM `+q.Name).Scan(&r.Rows); err != nil {
		return r, err
	}
	return r, nil
}

func connect(ctx context.Context, addr string, exited <-chan struct{}) (*pgx.Conn, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := pgx.Connect(ctx, "postgres://eddy@"+addr+"/eddy?sslmode=disable")
		if err == nil {
			return c, nil
		}
		select {
		case <-exited:
			return nil, errors.New("eddy exited at startup")
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("eddy did not accept connections: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clockTick is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go supports.
const clockTick = 100

// procCPU is a process's user+system CPU time so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("CPU time of eddy: %w", err)
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from the last ')'.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad times", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTick, nil
}

// procStatus is a size field of a process's /proc/<pid>/status, such as
// VmHWM (its peak resident set) or RssAnon, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return statusField(f, field)
}

// statusField reads a "Name:  123 kB" line of a /proc status file.
func statusField(r io.Reader, field string) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("status %s: %w", field, err)
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("status: no %s", field)
}

// runBaseline runs `eddy nexmark baseline` and reads its result.
func runBaseline(ctx context.Context, self string, seeds []string, events int64, stderr io.Writer) (Result, error) {
	cmd := exec.CommandContext(ctx, self, "nexmark", "baseline", "--kafka", strings.Join(seeds, ","),
		"--events", strconv.FormatInt(events, 10))
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return Result{}, err
	}
	var r Result
	if err := json.Unmarshal(out, &r); err != nil {
		return Result{}, fmt.Errorf("%w: %s", err, out)
	}
	r.Name = "baseline"
	return r, nil
}

// The baseline's structs: what a hand-written consumer would decode into.
type (
	personJSON struct {
		ID           int64  `json:"id"`
		Name         string `json:"name"`
		EmailAddress string `json:"email_address"`
		CreditCard   string `json:"credit_card"`
		City         string `json:"city"`
		State        string `json:"state"`
		DateTime     string `json:"date_time"`
		Extra        string `json:"extra"`
	}
	auctionJSON struct {
		ID          int64  `json:"id"`
		ItemName    string `json:"item_name"`
		Description string `json:"description"`
		InitialBid  int64  `json:"initial_bid"`
		Reserve     int64  `json:"reserve"`
		DateTime    string `json:"date_time"`
		Expires     string `json:"expires"`
		Seller      int64  `json:"seller"`
		Category    int64  `json:"category"`
		Extra       string `json:"extra"`
	}
	bidJSON struct {
		Auction  int64  `json:"auction"`
		Bidder   int64  `json:"bidder"`
		Price    int64  `json:"price"`
		Channel  string `json:"channel"`
		URL      string `json:"url"`
		DateTime string `json:"date_time"`
		Extra    string `json:"extra"`
	}
)

// baselineMain consumes the three topics from the start until it has
// decoded --events records, and prints a Result as JSON.
func baselineMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy nexmark baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	kafka := fs.String("kafka", "127.0.0.1:9092", "Kafka brokers")
	events := fs.Int64("events", 0, "records to read")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ru0 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	cl, err := kgo.NewClient(kgo.SeedBrokers(splitList(*kafka)...),
		kgo.ConsumeTopics(Topics[:]...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxPartitionBytes(8<<20), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		return err
	}
	defer cl.Close()
	var n, sum int64
	var p personJSON
	var a auctionJSON
	var b bidJSON
	for n < *events {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return err
		}
		for it := fs.RecordIter(); !it.Done(); {
			rec := it.Next()
			var err error
			switch rec.Topic {
			case "person":
				err = json.Unmarshal(rec.Value, &p)
				sum += p.ID
			case "auction":
				err = json.Unmarshal(rec.Value, &a)
				sum += a.ID
			default:
				err = json.Unmarshal(rec.Value, &b)
				sum += b.Price
			}
			if err != nil {
				return fmt.Errorf("decode %s: %w", rec.Topic, err)
			}
			n++
		}
	}
	el := time.Since(start)
	var ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	hwm, _ := procStatus(os.Getpid(), "VmHWM")
	return json.NewEncoder(stdout).Encode(Result{Events: n, Rows: sum % 1000, Elapsed: el, CPU: cpu, PeakRSS: hwm})
}
