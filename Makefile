# loadcron — see README.md. `make demo` and `make test` are the two
# commands a new user needs.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w -X github.com/loadcron/loadcron/internal/version.Version=$(VERSION) \
             -X github.com/loadcron/loadcron/internal/version.Revision=$(REVISION)
PKGS      := ./...

.PHONY: all build demo test tools vet fmt-check unit bench clean

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

## bench: hot-path benchmarks (not part of test)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

clean:
	rm -rf bin data
