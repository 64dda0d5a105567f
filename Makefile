# dbverify developer tasks. `make` alone builds bin/dbverify.
#
# Targets that need databases run through scripts/with-dbs, which reuses the
# MariaDB (127.0.0.1:3306) and PostgreSQL (127.0.0.1:5432) servers when they
# are up and otherwise starts throwaway ones for the duration of the command.
# `make db-up` / `make db-down` keep throwaway servers up across commands.

GO ?= go
GOFMT ?= gofmt
BIN := bin/dbverify

# Go sources to format-check: everything but vendor/, testdata/ and hidden
# directories (.git, .dbverify, ...).
FIND_GO := find . \( -path ./vendor -o -path '*/testdata' -o -path './.*' \) -prune -o -name '*.go' -type f -print

.DEFAULT_GOAL := build

.PHONY: build test test-short bench lint demo db-up db-down clean

build:
	$(GO) build -o $(BIN) ./cmd/dbverify

# The suite runs with the race detector, then again without it the tests that move values of
# tens of megabytes (they skip under -race, where they take ten times as long).
test:
	./scripts/with-dbs sh -c '$(GO) test -race -count=1 -timeout 30m ./... && $(GO) test -count=1 -timeout 30m -run "^TestLargeValues$$" ./pkg/verify/'


test-short:
	$(GO) test -short ./...

# The end-to-end benchmark (issue 4): identical tables at each of BENCH_ROWS, every mode and
# engine pair beside the floors and pt-table-checksum; then BENCH_DIFFS scattered differences
# at BENCH_DIFF_ROWS against the identical compare. About an hour at these sizes on 2 cores;
# `make bench BENCH_ROWS=1000000 BENCH_DIFF_ROWS=1000000` takes minutes. Record the tables in
# bench/RESULTS.md.
BENCH_ROWS ?= 1000000,10000000
BENCH_RUNS ?= 3
BENCH_MODES ?= stream,pushdown,auto
BENCH_DIFFS ?= 1000
BENCH_DIFF_ROWS ?= 10000000

bench: build
	./scripts/bench-deps
	$(GO) test -run '^$$' -bench . -benchmem ./pkg/...
	./scripts/with-dbs $(GO) run ./bench -rows $(BENCH_ROWS) -runs $(BENCH_RUNS) -modes $(BENCH_MODES)
	./scripts/with-dbs $(GO) run ./bench -rows $(BENCH_DIFF_ROWS) -runs $(BENCH_RUNS) -diffs $(BENCH_DIFFS) \
		-pairs mariadb,postgres -modes stream,auto

lint:
	@echo '$(GOFMT) -l'; \
	unformatted="$$($(FIND_GO) | xargs -r $(GOFMT) -l)" || exit 1; \
	if [ -n "$$unformatted" ]; then \
		echo 'these files are not gofmt-formatted (run gofmt -w):'; \
		echo "$$unformatted"; \
		exit 1; \
	fi
	$(GO) vet ./...

demo:
	./scripts/with-dbs $(GO) run ./cmd/dbverify demo

db-up:
	./scripts/db-up

db-down:
	./scripts/db-down

clean:
	rm -rf bin
	rm -f ./*.test ./*.out
	@if [ -s .dbverify/started ]; then \
		echo 'keeping .dbverify: db-up started servers that are still recorded (run make db-down first)'; \
	else \
		rm -rf .dbverify; \
	fi
