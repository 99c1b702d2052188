# `make test` is the README's test command and what CI runs (.ci/run).
GO ?= go

.PHONY: test deps vet run build bench

# The steps are in one recipe so that they run in order even under make -j.
test:
	@.ci/setup
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# deps installs the test tools (psql, kcat) when missing and downloads modules.
deps:
	@.ci/setup

vet:
	$(GO) vet ./...

run:
	$(GO) run ./cmd/eddy

build:
	$(GO) build -o eddy ./cmd/eddy

# Benchmarks are never part of `make test`; they are run and read on purpose.
bench:
	$(GO) test -run '^$$' -bench . ./...
