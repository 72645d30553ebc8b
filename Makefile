# camwatch: `make test` is the one test command (README, .ci/run).
REDIS_URL ?= redis://127.0.0.1:6379/0
export REDIS_URL
GO ?= go

.PHONY: test services vet build demo bench clips

test: services vet
	$(GO) test -race -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

# Make sure the real services the tests talk to are there (idempotent).
services:
	@bash scripts/services.sh

build:
	$(GO) build -o bin/camwatch ./cmd/camwatch

# The demo needs the same build dependencies as the tests (libavcodec-dev for
# the edge's decoder); Redis is used when it answers, else an embedded one.
demo: services
	$(GO) run ./cmd/camwatch demo

bench:
	@bash scripts/bench.sh

bench-ingest:
	@bash scripts/bench-ingest.sh

# Regenerate the simulated cameras' clips (needs ffmpeg).
clips:
	bash simcam/testdata/make-clips.sh
