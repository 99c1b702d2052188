// Command eddy starts the eddy server: the PostgreSQL wire protocol on
// --listen, state in --data-dir, and an HTTP endpoint for health and metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/eddysql/eddy/exec"
	"github.com/eddysql/eddy/server"
)

// config is the command line; every flag may also come from EDDY_<NAME>.
type config struct {
	dataDir     string
	listen      string
	kafka       string
	kafkaListen string
	httpListen  string
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("eddy", flag.ContinueOnError)
	fs.StringVar(&c.dataDir, "data-dir", "./eddy-data", "directory for eddy's state")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:6875", "PostgreSQL wire protocol address")
	fs.StringVar(&c.kafka, "kafka", "", "Kafka brokers (host:port,...); empty starts the embedded broker")
	fs.StringVar(&c.kafkaListen, "kafka-listen", "127.0.0.1:9092", "address of the embedded Kafka broker; empty disables it")
	fs.StringVar(&c.httpListen, "http-listen", "127.0.0.1:6876", "address for /healthz and /metrics")
	// Environment first, so that flags given explicitly win.
	fs.VisitAll(func(f *flag.Flag) {
		env := "EDDY_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			f.Value.Set(v)
		}
	})
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, nil
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, log, nil); err != nil {
		log.Error("eddy stopped", "err", err)
		os.Exit(1)
	}
}

// endpoints are the addresses eddy actually bound, which differ from the
// configuration when a port is 0.
type endpoints struct {
	SQL   string
	Kafka []string // seed brokers; nil when Kafka is disabled
}

// run starts everything and blocks until ctx ends. ready, when set, receives
// the bound addresses once eddy accepts connections.
func run(ctx context.Context, cfg config, log *slog.Logger, ready chan<- endpoints) error {
	if cfg.dataDir != "" {
		if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	eng, err := exec.Open(cfg.dataDir, log)
	if err != nil {
		return err
	}
	defer eng.Close()

	// After the engine, so that Badger's lock on the data directory also
	// keeps a second eddy away from the broker's files beneath it.
	kafkaSeeds, stopKafka, err := startKafka(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer stopKafka()

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.listen, err)
	}
	var httpSrv *http.Server
	if cfg.httpListen != "" {
		hl, err := net.Listen("tcp", cfg.httpListen)
		if err != nil {
			ln.Close()
			return fmt.Errorf("http listen %s: %w", cfg.httpListen, err)
		}
		httpSrv = &http.Server{Handler: httpHandler(), ReadHeaderTimeout: 5 * time.Second}
		go httpSrv.Serve(hl)
		defer httpSrv.Close()
	}
	srv := server.New(eng, server.WithLogger(log))
	log.Info("eddy is ready", "sql", ln.Addr().String(), "data_dir", cfg.dataDir, "http", cfg.httpListen,
		"kafka", strings.Join(kafkaSeeds, ","), "kafka_embedded", cfg.kafka == "" && kafkaSeeds != nil)
	if ready != nil {
		ready <- endpoints{SQL: ln.Addr().String(), Kafka: kafkaSeeds}
	}
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
		return err
	}
	return nil
}

func httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprintf(w, "# HELP eddy_up Whether eddy is serving.\n# TYPE eddy_up gauge\neddy_up 1\n")
	})
	return mux
}
