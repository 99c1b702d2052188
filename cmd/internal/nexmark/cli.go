package nexmark

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// Main runs `eddy nexmark <command> ...` and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: eddy nexmark gen|bench|latency [flags]  (-h for each command's flags)")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "gen":
		err = genMain(ctx, args[1:], stdout, stderr)
	case "bench":
		err = benchMain(ctx, args[1:], stdout, stderr)
	case "latency":
		err = latencyMain(ctx, args[1:], stdout, stderr)
	case "baseline":
		err = baselineMain(ctx, args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "eddy nexmark: unknown command %q (want gen, bench or latency)\n", args[0])
		return 2
	}
	if err == flag.ErrHelp {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "eddy nexmark %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// genFlags are the flags gen and bench share.
type genFlags struct {
	events     int64
	first      int64
	seed       uint64
	base       string
	eventRate  float64
	rate       float64
	partitions int
}

func (g *genFlags) register(fs *flag.FlagSet) {
	fs.Int64Var(&g.events, "events", 1_000_000, "number of events")
	fs.Int64Var(&g.first, "first", 0, "number of the first event (to continue a stream made with the same seed)")
	fs.Uint64Var(&g.seed, "seed", 1, "random seed: the same seed makes the same events")
	fs.StringVar(&g.base, "base-time", DefaultBaseTime.Format(time.RFC3339), "event time of event 0 (RFC 3339)")
	fs.Float64Var(&g.eventRate, "event-rate", 10_000, "events per second of event time (spacing of date_time)")
	fs.Float64Var(&g.rate, "rate", 0, "events per second of wall time to produce at (0: as fast as possible)")
	fs.IntVar(&g.partitions, "partitions", 1, "partitions of each topic, when it is created")
}

func (g *genFlags) config(seeds []string) (GenConfig, error) {
	base, err := time.Parse(time.RFC3339, g.base)
	if err != nil {
		return GenConfig{}, fmt.Errorf("--base-time: %w", err)
	}
	if g.events < 0 || g.first < 0 || g.partitions < 1 || g.rate < 0 || g.eventRate <= 0 {
		return GenConfig{}, fmt.Errorf("--events, --first, --rate must be >= 0, --partitions and --event-rate > 0")
	}
	return GenConfig{Seeds: seeds, Events: g.events, First: g.first, Seed: g.seed, Base: base,
		EventRate: g.eventRate, Rate: g.rate, Partitions: int32(g.partitions)}, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func genMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eddy nexmark gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var gf genFlags
	gf.register(fs)
	kafka := fs.String("kafka", "127.0.0.1:9092", "Kafka brokers (default: the embedded broker of an eddy running with its defaults)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := gf.config(splitList(*kafka))
	if err != nil {
		return err
	}
	start := time.Now()
	counts, err := Produce(ctx, cfg)
	if err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(stdout, "produced %d events (person %d, auction %d, bid %d) in %.2fs (%.0f events/s)\n",
		cfg.Events, counts[Person], counts[Auction], counts[Bid], el.Seconds(), float64(cfg.Events)/el.Seconds())
	return nil
}
