# camwatch: `make test` is the one test command (README, .ci/run).
REDIS_URL ?= redis://127.0.0.1:6379/0
export REDIS_URL
GO ?= go

.PHONY: test services vet fuzz build demo bench bench-edge bench-ingest bench-motion clips

# motion and quality are single-goroutine computation over decoded clips
# (no goroutines, channels or locks in either): under the race detector
# their clip tests take 5-10x as long and can find nothing, so they run
# without it; every package that calls them concurrently (detect, edge)
# runs with it.
NORACE_PKGS := ./motion ./quality

test: services vet
	$(GO) test -race -count=1 -timeout 20m $$($(GO) list ./... | grep -v -e '/motion$$' -e '/quality$$')
	$(GO) test -count=1 -timeout 20m $(NORACE_PKGS)
	@bash scripts/fuzz.sh

# Every fuzz test for FUZZTIME (default 3s) each; `make test` runs it.
fuzz:
	@bash scripts/fuzz.sh

# vet also checks that go.mod and go.sum are tidy (direct dependencies
# marked direct, nothing unused).
vet:
	$(GO) vet ./...
	$(GO) mod tidy -diff

# Make sure the real services the tests talk to are there (idempotent).
services:
	@bash scripts/services.sh

build:
	$(GO) build -o bin/camwatch ./cmd/camwatch

# The demo needs only the build dependencies (libavcodec-dev for the edge's
# decoder); Redis at REDIS_URL is used when it answers, else an embedded one.
# The binary runs in make's place (exec), not under `go run`, which exits 1
# on Ctrl-C however cleanly the demo stopped ("make: *** Error 1").
demo:
	@bash scripts/services.sh build
	$(GO) build -o bin/camwatch ./cmd/camwatch
	exec bin/camwatch demo

# Benchmarks against peers (see docs/BENCHMARKS.md); they take minutes and
# want a quiet machine.
bench: bench-edge bench-ingest

bench-edge: services
	@bash scripts/bench-edge.sh

bench-ingest:
	@bash scripts/bench-ingest.sh

bench-motion:
	@bash scripts/bench-motion.sh

# Regenerate the simulated cameras' clips (needs ffmpeg).
clips:
	bash simcam/testdata/make-clips.sh
