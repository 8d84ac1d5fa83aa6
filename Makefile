# loadcron — see README.md. `make demo` and `make test` are the two
# commands a new user needs.

GO        ?= go
# Build identity, stamped into prometheus/common/version like every
# Prometheus component: `loadcron --version` and loadcron_build_info show it.
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION   ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
BRANCH     ?= $(shell git rev-parse --abbrev-ref HEAD 2>/dev/null || echo unknown)
BUILD_USER ?= $(shell id -un 2>/dev/null || echo unknown)@$(shell hostname 2>/dev/null || echo unknown)
BUILD_DATE ?= $(shell date -u +%Y%m%d-%H:%M:%S)
LDFLAGS    := -s -w -X github.com/prometheus/common/version.Version=$(VERSION) \
              -X github.com/prometheus/common/version.Revision=$(REVISION) \
              -X github.com/prometheus/common/version.Branch=$(BRANCH) \
              -X github.com/prometheus/common/version.BuildUser=$(BUILD_USER) \
              -X github.com/prometheus/common/version.BuildDate=$(BUILD_DATE)
PKGS      := ./...

.PHONY: all build demo test tools vet fmt-check unit bench bench-hot bench-generator bench-memory bench-pacer bench-scrape clean

all: build

## build: both binaries into bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/loadcron ./cmd/loadcron
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/chatsim ./cmd/chatsim

## demo: the daemon against the built-in simulated chat API
demo:
	$(GO) run ./cmd/loadcron demo

## test: everything CI runs — tool install, vet, gofmt, race tests
test: tools vet fmt-check unit

tools:
	./.ci/install-tools

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -race -count=1 -timeout 12m $(PKGS)

## fuzz: each fuzz target for FUZZTIME (default 1m), one after another,
## one worker each (-parallel 1); a crasher is saved under the package's
## testdata/fuzz/<Target>/ and then runs as a test in `make test`
.PHONY: fuzz
FUZZTIME ?= 1m
FUZZ_TARGETS := ./internal/config:FuzzParse ./internal/config:FuzzEnvAndSet \
	./internal/loadgen:FuzzJSONLookup ./internal/loadgen:FuzzRequestBuild \
	./internal/report:FuzzDecode
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -timeout 0 -parallel 1 $$pkg; \
	done

## bench: hot-path benchmarks, then the generator-only figures of
## internal/bench (not part of test; see internal/bench/README.md)
bench: bench-hot bench-generator bench-memory bench-pacer bench-scrape

## bench-hot: in-process benchmarks beside the code
bench-hot:
	$(GO) test -run '^$$' -bench . -benchmem $$($(GO) list ./internal/... | grep -v /internal/bench)

## bench-generator: CPU-µs, req/s and allocs per request of the engine
## against a plain net/http loop, target in its own process
bench-generator:
	$(GO) test -run '^$$' -bench Generator -benchtime 1x -timeout 30m ./internal/bench

## bench-memory: peak RSS of the generator at 10,000 users on a target
## that holds each request 1 s, per HTTP client
bench-memory:
	$(GO) test -run '^$$' -bench Memory -benchtime 1x -timeout 10m ./internal/bench

## bench-pacer: open-model pacer lateness P50/P99 at 200 and 5,000 req/s,
## and the latency P50 against the target's own (5 ms hold)
bench-pacer:
	$(GO) test -run '^$$' -bench Pacer -benchtime 1x -timeout 10m ./internal/bench

## bench-scrape: series and scrape time of a daemon with 50 scenarios
## that have each run once
bench-scrape:
	$(GO) test -run '^$$' -bench Scrape -timeout 10m ./internal/bench

clean:
	rm -rf bin data

## rules: regenerate alerts/loadcron.rules.yml from its template (alerts/README.md, "Generate")
## rules-check: fail when it is stale (go test ./alerts/... checks it too)
.PHONY: rules rules-check
rules:
	$(GO) run ./alerts/gen

rules-check:
	$(GO) run ./alerts/gen -check

## --- deploy/ (see deploy/README.md) ---
IMAGE   ?= loadcron:dev
COMPOSE := docker compose -f deploy/compose/compose.yaml

.PHONY: kube-gen kube-check kube-build docker-build compose-up compose-down

## kube-gen: regenerate deploy/kubernetes/base's PrometheusRule (from
## alerts/) and dashboard copies (from dashboards/); commit the result
kube-gen:
	$(GO) run ./deploy/kubernetes/gen

## kube-check: fail when those generated files are stale (go test ./deploy/... checks it too)
kube-check:
	$(GO) run ./deploy/kubernetes/gen -check

## kube-build: print the demo overlay's manifests (needs kubectl)
kube-build:
	kubectl kustomize deploy/kubernetes/demo

## docker-build: the loadcron+chatsim image (needs Docker)
docker-build:
	docker build -f deploy/Dockerfile -t $(IMAGE) --build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) \
	  --build-arg BRANCH=$(BRANCH) --build-arg BUILD_USER=$(BUILD_USER) --build-arg BUILD_DATE=$(BUILD_DATE) .

## compose-up / compose-down: the whole monitoring stack on this host (needs Docker)
compose-up:
	$(COMPOSE) up -d --build

compose-down:
	$(COMPOSE) down
