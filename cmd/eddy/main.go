// Command eddy starts the eddy server: the PostgreSQL wire protocol on
// --listen, state in --data-dir, and an HTTP endpoint for health and metrics.
package main

import (
	"context"
	"crypto/tls"
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

	"github.com/eddysql/eddy/cmd/internal/nexmark"
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

	// A secured --kafka cluster (kafka_security.go).
	kafkaSASLMechanism string
	kafkaSASLUser      string
	kafkaSASLPassword  string
	kafkaTLS           bool
	kafkaTLSCA         string

	// Security and limits.
	password       string
	insecure       bool
	tlsCert        string
	tlsKey         string
	tlsRequire     bool
	authMethod     string
	maxConnections int
	queryMemory    int64
	epochInterval  time.Duration
	diskReserve    int64
	stateCache     byteSize

	// Profiles of the whole run, for benchmarks that start eddy as a
	// child (eddy nexmark latency --eddy-cpuprofile/--eddy-trace).
	cpuProfile string
	tracePath  string

	// keyedViews (no flag; benchmarks set it) makes new materialized views
	// use the generic keyed operator only, as a baseline.
	keyedViews bool
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("eddy", flag.ContinueOnError)
	fs.StringVar(&c.dataDir, "data-dir", "./eddy-data", "directory for eddy's state")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:6875", "PostgreSQL wire protocol address")
	fs.StringVar(&c.kafka, "kafka", "", "Kafka brokers (host:port,...); empty starts the embedded broker")
	fs.StringVar(&c.kafkaListen, "kafka-listen", "127.0.0.1:9092", "address of the embedded Kafka broker; empty disables it")
	fs.StringVar(&c.kafkaSASLMechanism, "kafka-sasl-mechanism", "", "SASL mechanism for --kafka: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	fs.StringVar(&c.kafkaSASLUser, "kafka-sasl-user", "", "SASL user for --kafka")
	fs.StringVar(&c.kafkaSASLPassword, "kafka-sasl-password", "", "SASL password for --kafka (prefer EDDY_KAFKA_SASL_PASSWORD: arguments are visible to other local users)")
	fs.BoolVar(&c.kafkaTLS, "kafka-tls", false, "connect to --kafka over TLS, verifying the brokers against the system roots (or --kafka-tls-ca)")
	fs.StringVar(&c.kafkaTLSCA, "kafka-tls-ca", "", "PEM CA certificate(s) that sign the --kafka brokers' certificates; implies --kafka-tls")
	fs.StringVar(&c.httpListen, "http-listen", "127.0.0.1:6876", "address for /healthz and /metrics")
	fs.StringVar(&c.password, "password", "", "password of the superuser eddy, set at startup (prefer EDDY_PASSWORD: "+
		"arguments are visible to other local users); once any role has a password, every client authenticates with SCRAM-SHA-256")
	fs.BoolVar(&c.insecure, "insecure", false, "trust clients without a password even when --listen is not a loopback address "+
		"(by default eddy refuses to start there without a password, and trusts clients only on loopback while no role has one)")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate (chain) for TLS on the PostgreSQL port; with --tls-key")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&c.tlsRequire, "tls-require", false, "refuse clients that do not use TLS (FATAL 28000); needs --tls-cert")
	fs.StringVar(&c.authMethod, "auth-method", "scram-sha-256", "how clients prove their password: scram-sha-256, or password "+
		"(the cleartext password, asked only on TLS connections, for clients without SCRAM; plaintext connections still use SCRAM)")
	fs.IntVar(&c.maxConnections, "max-connections", 100, "most concurrent sessions; clients beyond it get FATAL 53300 (0: no limit)")
	fs.Int64Var(&c.queryMemory, "query-memory", exec.DefaultQueryMemory, "bytes of rows one statement may hold (sorts, hash tables, windows) "+
		"before it fails with 53200 rather than exhausting the machine (0: no limit)")
	fs.DurationVar(&c.epochInterval, "epoch-interval", 0, "how long a materialized view fed by a Kafka source gathers records into one "+
		"epoch (one atomic commit of its state and offsets); 0 commits each fetch, which already holds whatever arrived, so epochs grow with the load")
	fs.Int64Var(&c.diskReserve, "disk-reserve", exec.DefaultDiskReserve, "bytes that must stay free on the data directory's file system: "+
		"below it, writes fail with 53100 (disk_full) before the database could run out, and go on once space returns (0: no reserve)")
	c.stateCache = exec.DefaultStateCache
	fs.Var(&c.stateCache, "state-cache", "memory Badger may keep for tables' and views' state (block and index caches, memtables), "+
		"such as 256MiB (at least 128MiB; 0: the default); the rest of the state stays on disk")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&c.tracePath, "trace", "", "write a Go execution trace of the whole run to this file")
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
	if len(os.Args) > 1 && os.Args[1] == "nexmark" {
		// eddy nexmark gen|bench: the benchmark's generator and driver.
		os.Exit(nexmark.Main(os.Args[2:], os.Stdout, os.Stderr))
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// Process-wide, so here rather than in run, which tests call in process.
	cache := int64(cfg.stateCache)
	if cache == 0 {
		cache = exec.DefaultStateCache
	}
	_, userLimit := os.LookupEnv("GOMEMLIMIT")
	log.Info("memory limit", "bytes", applyMemoryLimit(cache, os.LookupEnv), "from_gomemlimit", userLimit)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	stopProfiles, err := startProfiles(cfg)
	if err != nil {
		log.Error("eddy stopped", "err", err)
		os.Exit(1)
	}
	err = run(ctx, cfg, log, nil)
	stopProfiles()
	if err != nil {
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
	srvOpts, err := securityOptions(cfg)
	if err != nil {
		return err
	}
	if cfg.dataDir != "" {
		if err := os.MkdirAll(cfg.dataDir, 0o755); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	eng, err := exec.Open(cfg.dataDir, log, exec.WithStateCache(int64(cfg.stateCache)))
	if err == nil {
		eng.SetQueryMemory(cfg.queryMemory)
		eng.SetEpochInterval(cfg.epochInterval)
		eng.SetDiskReserve(cfg.diskReserve)
	}
	if err != nil {
		return err
	}
	defer eng.Close()
	if err := eng.SetBootstrapPassword(cfg.password); err != nil {
		return err
	}

	// After the engine, so that Badger's lock on the data directory also
	// keeps a second eddy away from the broker's files beneath it.
	kafkaOpts, err := kafkaClientOpts(cfg)
	if err != nil {
		return err
	}
	kafkaSeeds, stopKafka, err := startKafka(ctx, cfg, kafkaOpts, log)
	if err != nil {
		return err
	}
	defer stopKafka()
	eng.Configure(exec.WithKafka(kafkaSeeds, kafkaOpts...), exec.WithKeyedViews(cfg.keyedViews))

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", cfg.listen, err)
	}
	if !isLoopback(ln.Addr()) && !cfg.insecure && !eng.PasswordsSet() {
		ln.Close()
		return fmt.Errorf("refusing to listen on %s without a password: anyone who can reach it would be superuser; "+
			"set --password (EDDY_PASSWORD), listen on a loopback address, or give --insecure", ln.Addr())
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
	srv := server.New(eng, append(srvOpts, server.WithLogger(log))...)
	log.Info("eddy is ready", "sql", ln.Addr().String(), "data_dir", cfg.dataDir, "http", cfg.httpListen,
		"tls", cfg.tlsCert != "", "passwords", eng.PasswordsSet(),
		"kafka", strings.Join(kafkaSeeds, ","), "kafka_embedded", cfg.kafka == "" && kafkaSeeds != nil)
	if ready != nil {
		ready <- endpoints{SQL: ln.Addr().String(), Kafka: kafkaSeeds}
	}
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
		return err
	}
	return nil
}

// securityOptions turns the TLS, authentication and limit flags into server
// options.
func securityOptions(cfg config) ([]server.Option, error) {
	opts := []server.Option{server.WithMaxConnections(cfg.maxConnections)}
	if cfg.maxConnections < 0 {
		return nil, fmt.Errorf("--max-connections %d: must be 0 (no limit) or more", cfg.maxConnections)
	}
	if (cfg.tlsCert == "") != (cfg.tlsKey == "") {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	if cfg.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		opts = append(opts, server.WithTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
	}
	if cfg.tlsRequire {
		if cfg.tlsCert == "" {
			return nil, errors.New("--tls-require needs --tls-cert and --tls-key")
		}
		opts = append(opts, server.WithTLSRequired())
	}
	switch cfg.authMethod {
	case "", "scram-sha-256":
	case "password":
		opts = append(opts, server.WithCleartextPasswordOverTLS())
	default:
		return nil, fmt.Errorf("--auth-method %q: want scram-sha-256 or password", cfg.authMethod)
	}
	if cfg.insecure {
		opts = append(opts, server.WithInsecure())
	}
	return opts, nil
}

// isLoopback reports whether a listener can only be reached from this host.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
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
