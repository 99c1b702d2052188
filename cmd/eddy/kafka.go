package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaPingTimeout bounds the startup check of an external cluster: failing
// fast with a clear message beats serving SQL while every Kafka source hangs.
const kafkaPingTimeout = 10 * time.Second

// startKafka makes Kafka available to eddy and returns the seed brokers that
// clients (kcat, and later eddy's own sources and sinks) should use. With
// --kafka it only checks that the cluster answers; otherwise it starts the
// embedded broker, which stop shuts down. stop is never nil.
//
// An empty --kafka-listen with no --kafka disables Kafka altogether (seeds is
// nil): tests that do not need a broker should not pay for one per instance.
func startKafka(ctx context.Context, cfg config, opts []kgo.Opt, log *slog.Logger) (seeds []string, stop func(), err error) {
	stop = func() {}
	if cfg.kafka != "" {
		seeds = splitBrokers(cfg.kafka)
		if len(seeds) == 0 {
			return nil, stop, fmt.Errorf("--kafka %q names no broker", cfg.kafka)
		}
		if err := pingKafka(ctx, seeds, opts); err != nil {
			return nil, stop, err
		}
		return seeds, stop, nil
	}
	if cfg.kafkaListen == "" {
		return nil, stop, nil
	}
	cl, err := startEmbeddedKafka(ctx, cfg, log)
	if err != nil {
		return nil, stop, err
	}
	stop = func() {
		cl.Close()
		if cfg.dataDir == "" {
			return
		}
		if err := markCleanShutdown(cfg.dataDir); err != nil {
			log.Warn("embedded Kafka broker: the next start will scan its log for open transactions", "err", err)
		}
	}
	return cl.ListenAddrs(), stop, nil
}

func splitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

func pingKafka(ctx context.Context, seeds []string, opts []kgo.Opt) error {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, opts...)...)
	if err != nil {
		return fmt.Errorf("--kafka %s: %w", strings.Join(seeds, ","), err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, kafkaPingTimeout)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		return fmt.Errorf("kafka at %s is not reachable within %s: %w (check --kafka, or omit it to use the embedded broker)",
			strings.Join(seeds, ","), kafkaPingTimeout, err)
	}
	return nil
}

// startEmbeddedKafka runs kfake as a single broker. kfake always binds
// 127.0.0.1 itself, so we bind --kafka-listen ourselves and hand kfake the
// listener: that honours the configured host, and a taken port fails here
// with a message naming the flag rather than deep inside kfake. After an
// unclean shutdown it ends the transactions kfake's recovery left without
// a marker (closeForgottenTxns) before anyone else connects.
func startEmbeddedKafka(ctx context.Context, cfg config, log *slog.Logger) (*kfake.Cluster, error) {
	ln, err := net.Listen("tcp", cfg.kafkaListen)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, fmt.Errorf("embedded Kafka broker: %s is already in use; "+
				"choose another address with --kafka-listen (or EDDY_KAFKA_LISTEN), "+
				"or use that cluster with --kafka %s", cfg.kafkaListen, cfg.kafkaListen)
		}
		return nil, fmt.Errorf("embedded Kafka broker: listen %s (--kafka-listen): %w", cfg.kafkaListen, err)
	}
	handedOut := false
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(func(string, string) (net.Listener, error) {
			// NumBrokers(1) means one call; a second would be a
			// broker we have no address for.
			if handedOut {
				return nil, errors.New("embedded Kafka broker: only one listener is configured")
			}
			handedOut = true
			return ln, nil
		}),
		kfake.ClusterID("eddy"),
		// kcat -P and most quick-start tooling expect topics to
		// appear on first use, with Kafka's default of one partition
		// (kfake's own default is 10).
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(1),
		kfake.WithLogger(kfakeLogger{log}),
	}
	// Without a data directory (tests) kfake keeps everything in memory.
	if cfg.dataDir != "" {
		opts = append(opts, kfake.DataDir(filepath.Join(cfg.dataDir, "kafka")))
	}
	cl, err := kfake.NewCluster(opts...)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("embedded Kafka broker: %w", err)
	}
	if cfg.dataDir == "" {
		return cl, nil
	}
	clean, err := takeCleanShutdown(cfg.dataDir)
	if err == nil && !clean {
		if err = closeForgottenTxns(ctx, cl.ListenAddrs()); err != nil {
			err = fmt.Errorf("embedded Kafka broker: end the transactions a crash left open: %w", err)
		}
	}
	if err != nil {
		cl.Close()
		return nil, err
	}
	return cl, nil
}

// kfakeLogger forwards kfake's warnings and errors; its info level logs
// every request, which would drown eddy's own log.
type kfakeLogger struct{ log *slog.Logger }

func (l kfakeLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	var sl slog.Level
	switch level {
	case kfake.LogLevelError:
		sl = slog.LevelError
	case kfake.LogLevelWarn:
		sl = slog.LevelWarn
	default:
		return
	}
	l.log.Log(context.Background(), sl, fmt.Sprintf(msg, args...), "component", "kafka")
}
