package nexmark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The peer comparison (`eddy nexmark bench --peer benthos`) runs q2 as a
// topic-to-topic filter in eddy (a sink of the q2 query) and in a peer
// engine, over the same broker and bids in the same run, and times each
// from its start until its output topic holds every row q2 keeps. The
// Benthos peer (benthospeer/, a module of its own) is built with the go
// tool, which fetches Benthos from the module proxy: where it cannot, the
// comparison says that the peer did not run.

// peerResult is one engine's run of q2 topic to topic.
type peerResult struct {
	Name    string
	Events  int64 // bids read
	Rows    int64 // records in the output topic at the end
	Elapsed time.Duration
	CPU     time.Duration
	Err     string
}

// q2Keeps is q2's predicate (testdata/nexmark/q2.sql), for counting the
// rows both engines must write.
func q2Keeps(auction int64) bool { return auction%123 == 0 }

// peerCompare runs eddy's q2 sink and the peer named peer (benthos) and
// prints their table.
func peerCompare(ctx context.Context, self string, seeds, args, srcs []string, q2 Query, peer, peerDir string,
	timeout time.Duration, keep bool, stdout, stderr io.Writer) error {
	if peer != "benthos" {
		return fmt.Errorf("--peer %q: the one peer is benthos", peer)
	}
	bids, want, err := countQ2(ctx, seeds)
	if err != nil {
		return fmt.Errorf("count q2's rows: %w", err)
	}
	fmt.Fprintf(stderr, "peer comparison: %d bids, q2 keeps %d\n", bids, want)
	tctx, cancel := context.WithTimeout(ctx, timeout)
	ed, err := runEddySink(tctx, self, seeds, args, srcs, q2, bids, want, keep)
	cancel()
	if err != nil {
		ed.Err = err.Error()
	}
	fmt.Fprintf(stderr, "eddy q2 sink: %.2fs\n", ed.Elapsed.Seconds())
	var bp peerResult
	bin, berr := buildBenthosPeer(ctx, peerDir, stderr)
	if berr == nil {
		defer os.RemoveAll(filepath.Dir(bin))
		tctx, cancel := context.WithTimeout(ctx, timeout)
		bp, err = runBenthosPeer(tctx, bin, seeds, bids, want)
		cancel()
		if err != nil {
			bp.Err = err.Error()
		}
		fmt.Fprintf(stderr, "benthos q2: %.2fs\n", bp.Elapsed.Seconds())
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	printPeerTable(stdout, ed, bp, berr)
	return nil
}

// countQ2 reads the bid topic once: how many bids there are and how many
// of them q2 keeps.
func countQ2(ctx context.Context, seeds []string) (bids, keeps int64, err error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return 0, 0, err
	}
	ends, err := EndOffsets(ctx, cl, "bid")
	cl.Close()
	if err != nil {
		return 0, 0, err
	}
	bids = ends["bid"]
	cl, err = kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics("bid"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxPartitionBytes(8<<20), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		return 0, 0, err
	}
	defer cl.Close()
	var n int64
	var b struct {
		Auction int64 `json:"auction"`
	}
	for n < bids {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			return 0, 0, err
		}
		for it := fs.RecordIter(); !it.Done(); {
			if err := json.Unmarshal(it.Next().Value, &b); err != nil {
				return 0, 0, err
			}
			n++
			if q2Keeps(b.Auction) {
				keeps++
			}
		}
	}
	return bids, keeps, nil
}

// waitTopic polls topic, read_committed, until it holds want records, and
// returns how many it holds. progress is called between polls: an error
// from it (the engine died) ends the wait.
func waitTopic(ctx context.Context, seeds []string, topic string, want int64, progress func() error) (int64, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(50*time.Millisecond), kgo.MetadataMinAge(100*time.Millisecond))
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	var n int64
	for n < want {
		pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return n, fmt.Errorf("topic %s holds %d of %d records: %w", topic, n, want, ctx.Err())
		}
		for _, fe := range fs.Errors() {
			if !errors.Is(fe.Err, context.DeadlineExceeded) && !errors.Is(fe.Err, context.Canceled) {
				return n, fmt.Errorf("read %s: %w", topic, fe.Err)
			}
		}
		n += int64(fs.NumRecords())
		if err := progress(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// runEddySink starts an eddy, declares the sources and times a sink of
// q2's query from CREATE SINK until its topic holds want records.
func runEddySink(ctx context.Context, self string, seeds, args, srcs []string, q2 Query, bids, want int64, keep bool) (peerResult, error) {
	r := peerResult{Name: "eddy (sink)", Events: bids}
	e, err := startEddy(ctx, self, seeds, args, "q2sink", keep)
	if err != nil {
		return r, err
	}
	defer e.stop()
	for _, s := range srcs {
		if _, err := e.conn.Exec(ctx, s); err != nil {
			return r, fmt.Errorf("%s: %w", s, err)
		}
	}
	// The topic is made beforehand, as the peer's is, so that neither
	// engine's time includes the reader's wait for a new topic.
	topic := "q2_eddy_" + fmt.Sprint(time.Now().UnixNano())
	if err := createTopic(ctx, seeds, topic); err != nil {
		return r, err
	}
	cpu0, err := procCPU(e.pid)
	if err != nil {
		return r, err
	}
	start := time.Now()
	if _, err := e.conn.Exec(ctx, `CREATE SINK q2_sink FROM (`+q2.Select+`) WITH (topic = '`+topic+`', partitions = 2)`); err != nil {
		return r, fmt.Errorf("create sink: %w", err)
	}
	r.Rows, err = waitTopic(ctx, seeds, topic, want, func() error {
		_, err := procCPU(e.pid)
		return err
	})
	r.Elapsed = time.Since(start)
	if err != nil {
		return r, fmt.Errorf("%w (log: %s)", err, e.log)
	}
	cpu1, err := procCPU(e.pid)
	r.CPU = cpu1 - cpu0
	return r, err
}

// createTopic makes an output topic of two partitions.
func createTopic(ctx context.Context, seeds []string, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seeds...))
	if err != nil {
		return err
	}
	defer cl.Close()
	return CreateTopic(ctx, cl, topic, 2)
}

// buildBenthosPeer builds benthospeer into a temporary directory.
func buildBenthosPeer(ctx context.Context, dir string, stderr io.Writer) (string, error) {
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		return "", fmt.Errorf("no peer module at %s (--peer-dir): %w", dir, err)
	}
	tmp, err := os.MkdirTemp("", "eddy-nexmark-peer-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(tmp, "benthospeer")
	fmt.Fprintf(stderr, "building the benthos peer (%s)...\n", dir)
	bctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(bctx, "go", "build", "-o", bin, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		msg := strings.TrimSpace(string(out))
		if i := strings.IndexByte(msg, '\n'); i > 0 {
			msg = msg[:i] + " ..."
		}
		return "", fmt.Errorf("go build: %v: %s", err, msg)
	}
	return bin, nil
}

// runBenthosPeer times the peer from its start until its topic holds
// want records.
func runBenthosPeer(ctx context.Context, bin string, seeds []string, bids, want int64) (peerResult, error) {
	r := peerResult{Name: "benthos", Events: bids}
	topic := "q2_benthos_" + fmt.Sprint(time.Now().UnixNano())
	if err := createTopic(ctx, seeds, topic); err != nil {
		return r, err
	}
	logf, err := os.CreateTemp("", "benthospeer-*.log")
	if err != nil {
		return r, err
	}
	defer logf.Close()
	start := time.Now()
	cmd := exec.Command(bin, "--kafka", strings.Join(seeds, ","), "--in", "bid", "--out", topic)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return r, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}()
	var cpu time.Duration
	r.Rows, err = waitTopic(ctx, seeds, topic, want, func() error {
		select {
		case <-exited:
			return fmt.Errorf("benthospeer exited (log: %s)", logf.Name())
		default:
		}
		// The last reading before the end: the process's CPU time is
		// gone once it has exited.
		if c, err := procCPU(cmd.Process.Pid); err == nil {
			cpu = c
		}
		return nil
	})
	r.Elapsed = time.Since(start)
	if err != nil {
		return r, err
	}
	if c, err := procCPU(cmd.Process.Pid); err == nil {
		cpu = c
	}
	r.CPU = cpu
	os.Remove(logf.Name())
	return r, nil
}

func printPeerTable(w io.Writer, ed, bp peerResult, buildErr error) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "q2 topic to topic\tbids/s\tbids/CPU-s\tseconds\trows out\t\n")
	line := func(r peerResult) {
		if r.Err != "" {
			fmt.Fprintf(tw, "%s\tfailed after %.0fs\t\t\t\t\n", r.Name, r.Elapsed.Seconds())
			return
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.0f\t%.2f\t%d\t\n", r.Name, float64(r.Events)/r.Elapsed.Seconds(),
			perCPU(r.Events, r.CPU), r.Elapsed.Seconds(), r.Rows)
	}
	line(ed)
	if buildErr == nil {
		line(bp)
	}
	tw.Flush()
	for _, r := range []peerResult{ed, bp} {
		if r.Err != "" {
			fmt.Fprintf(w, "%s: %s\n", r.Name, r.Err)
		}
	}
	switch {
	case buildErr != nil:
		fmt.Fprintf(w, "THE BENTHOS PEER DID NOT RUN: %v\n", buildErr)
	case ed.Err == "" && bp.Err == "":
		fmt.Fprintf(w, "eddy vs benthos: %.2fx bids/s, %.2fx bids/CPU-s\n",
			bp.Elapsed.Seconds()/ed.Elapsed.Seconds(), perCPU(ed.Events, ed.CPU)/perCPU(bp.Events, bp.CPU))
	}
}

func perCPU(events int64, cpu time.Duration) float64 {
	if cpu <= 0 {
		return 0
	}
	return float64(events) / cpu.Seconds()
}
