package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// kafkaClientOpts turns the --kafka-sasl-* and --kafka-tls* flags into the
// options every Kafka client of eddy uses to reach a secured cluster. They
// apply to --kafka only: the embedded broker listens on loopback for
// development and has no users.
func kafkaClientOpts(cfg config) ([]kgo.Opt, error) {
	secured := cfg.kafkaSASLMechanism != "" || cfg.kafkaTLS || cfg.kafkaTLSCA != ""
	if !secured {
		return nil, nil
	}
	if cfg.kafka == "" {
		return nil, fmt.Errorf("--kafka-sasl-mechanism and --kafka-tls apply to a cluster named by --kafka, not to the embedded broker")
	}
	var opts []kgo.Opt
	switch m := strings.ToUpper(cfg.kafkaSASLMechanism); m {
	case "":
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: cfg.kafkaSASLUser, Pass: cfg.kafkaSASLPassword}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: cfg.kafkaSASLUser, Pass: cfg.kafkaSASLPassword}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: cfg.kafkaSASLUser, Pass: cfg.kafkaSASLPassword}.AsSha512Mechanism()))
	default:
		return nil, fmt.Errorf("--kafka-sasl-mechanism %q: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", cfg.kafkaSASLMechanism)
	}
	if cfg.kafkaSASLMechanism != "" && cfg.kafkaSASLUser == "" {
		return nil, fmt.Errorf("--kafka-sasl-mechanism needs --kafka-sasl-user (and EDDY_KAFKA_SASL_PASSWORD)")
	}
	if cfg.kafkaTLS || cfg.kafkaTLSCA != "" {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.kafkaTLSCA != "" {
			pem, err := os.ReadFile(cfg.kafkaTLSCA)
			if err != nil {
				return nil, fmt.Errorf("--kafka-tls-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--kafka-tls-ca %s: no PEM certificate in it", cfg.kafkaTLSCA)
			}
			tc.RootCAs = pool
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	return opts, nil
}
