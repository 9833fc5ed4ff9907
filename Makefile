# Vouch — build, test and run everything from here.
#
#   make demo    run the kiosk agent as far as it exists
#   make test    every test (vet, unit + race, fuzz seeds, stages added by mk/*.mk)
#
# Area-specific targets live in mk/*.mk; each may append stage targets to
# TEST_STAGES (run in order by `make test`, timed by scripts/stage).

SHELL        := /bin/bash
.SHELLFLAGS  := -eu -o pipefail -c
GO           ?= go
BIN          ?= bin
FUZZTIME     ?= 30s
CI           ?=
ifeq ($(CI),true)
FUZZTIME     := 3s
endif
export CI

# Main packages, discovered so new commands are built and cross-compiled without edits here.
CMDS = $(shell $(GO) list -f '{{if eq .Name "main"}}{{.ImportPath}}{{end}}' ./... 2>/dev/null)
LDFLAGS := -s -w -buildid=
GOBUILD_STATIC = CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)'

# Stages `make test` runs, in order. mk/*.mk append to this.
TEST_STAGES := test-vet test-staticcheck test-unit test-fuzz-seeds

.PHONY: all build cross test demo fuzz bench lint clean deps $(TEST_STAGES)

STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

all: build

include $(wildcard mk/*.mk)

deps:
	$(GO) mod download

build: deps
	@mkdir -p $(BIN)
	$(GOBUILD_STATIC) -o $(BIN)/ $(CMDS)

cross: deps
	@for arch in arm64 arm; do \
	  mkdir -p $(BIN)/linux-$$arch; \
	  echo "cross: linux/$$arch"; \
	  GOOS=linux GOARCH=$$arch GOARM=7 $(GOBUILD_STATIC) -o $(BIN)/linux-$$arch/ $(CMDS); \
	done
	@file $(BIN)/linux-*/* 2>/dev/null || ls -l $(BIN)/linux-*

test: deps models
	@for s in $(TEST_STAGES); do scripts/stage $$s $(MAKE) --no-print-directory $$s; done

test-vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed:"; gofmt -l .; exit 1; }

test-staticcheck:
	$(STATICCHECK) ./...

test-unit:
	$(GO) test -race -count=1 -timeout 20m ./...

# Runs every fuzz target for FUZZTIME (3s under CI=true); the seed corpora also run in test-unit.
test-fuzz-seeds: fuzz

fuzz:
	@scripts/fuzz-all $(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

lint:
	@test -z "$$(gofmt -l .)" || { gofmt -l .; exit 1; }
	$(GO) vet ./...
	$(STATICCHECK) ./...

demo: build
	@scripts/demo

clean:
	rm -rf $(BIN) out
