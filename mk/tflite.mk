# models/tflite: schema code generation and cross-architecture golden tests.
#
#   make tflite-schema   regenerate models/tflite/internal/tfschema from
#                        models/tflite/schema/schema.fbs with Debian's flatc 2.0.8
#   make test-tflite-purego  the tflite tests with -tags purego (part of `make test`)
#   make test-tflite-qemu  run the tflite tests for linux/arm64 and linux/arm (GOARM=7)
#                        under qemu-user (part of `make test`)

TFLITE_DIR     := models/tflite
TFLITE_SCHEMA  := $(TFLITE_DIR)/schema/schema.fbs
TFLITE_GENDIR  := $(TFLITE_DIR)/internal/tfschema
FLATC          ?= flatc

.PHONY: tflite-schema test-tflite-qemu

# The schema is the upstream file, unmodified (tensorflow/tflite-micro,
# tensorflow/compiler/mlir/lite/schema/schema.fbs). flatc 2.0.8 cannot parse
# attributes on enum values and union members, which later schema revisions use
# for `(deprecated)`; those attributes carry no wire meaning, so they are
# stripped on the way into flatc.
tflite-schema:
	@command -v $(FLATC) >/dev/null || { echo "flatc missing: apt-get install flatbuffers-compiler"; exit 1; }
	@$(FLATC) --version | grep -q '2.0.8' || { echo "need flatc 2.0.8 (matches github.com/google/flatbuffers v2.0.8+incompatible)"; exit 1; }
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  sed -E 's/^([[:space:]]*[A-Za-z0-9_]+( = [0-9]+)?) \(deprecated\),/\1,/' $(TFLITE_SCHEMA) > $$tmp/schema.fbs; \
	  $(FLATC) --go --go-namespace tfschema -o $$tmp/out $$tmp/schema.fbs; \
	  rm -f $(TFLITE_GENDIR)/*_generated.go; \
	  for f in $$tmp/out/tfschema/*.go; do cp $$f $(TFLITE_GENDIR)/$$(basename $$f .go)_generated.go; done
	gofmt -w $(TFLITE_GENDIR)
	@echo "tflite-schema: $$(ls $(TFLITE_GENDIR)/*_generated.go | wc -l) files in $(TFLITE_GENDIR)"

# Cross-architecture tests: the tflite test binary built for linux/arm64 and
# linux/arm (GOARM=7) with CGO_ENABLED=0, run under qemu-user from the package
# directory so the goldens in ../shared and the fetched models are found.
# Under CI=true a missing qemu is installed from Debian, and anything that
# keeps the tests from running fails the stage (testenv fails instead of
# skipping, so goldens cannot be skipped silently).
TEST_STAGES += test-tflite-purego test-tflite-qemu
TFLITE_QEMU_ARCHES ?= arm64 arm

.PHONY: test-tflite-purego

# The portable kernels alone (the assembly ones are tested against them in
# test-unit): every golden and op test with -tags purego.
test-tflite-purego: models
	$(GO) test -count=1 -tags purego ./$(TFLITE_DIR)/...

test-tflite-qemu: models
	@set -e; mkdir -p $(BIN); pids=; \
	for arch in $(TFLITE_QEMU_ARCHES); do \
	  case $$arch in arm64) q=qemu-aarch64-static;; arm) q=qemu-arm-static;; *) echo "unknown arch $$arch"; exit 1;; esac; \
	  if ! command -v $$q >/dev/null; then \
	    if [ "$(CI)" = true ]; then \
	      echo "test-tflite-qemu: installing qemu-user-static"; \
	      (apt-get install -y -qq qemu-user-static >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq qemu-user-static; }) \
	        || { echo "test-tflite-qemu: cannot install qemu-user-static (CI=true): failing"; exit 1; }; \
	    else \
	      echo "test-tflite-qemu: SKIP $$arch: $$q not found (apt-get install qemu-user-static)"; continue; \
	    fi; \
	  fi; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOARM=7 $(GO) test -c -o $(BIN)/tflite-linux-$$arch.test ./$(TFLITE_DIR); \
	  echo "test-tflite-qemu: linux/$$arch under $$q"; \
	  (cd $(TFLITE_DIR) && $$q $(CURDIR)/$(BIN)/tflite-linux-$$arch.test -test.count=1 -test.v -test.timeout 20m \
	    -test.skip 'TestProfileReport' > $(CURDIR)/$(BIN)/tflite-linux-$$arch.log 2>&1) & pids="$$pids $$!:$$arch"; \
	done; \
	rc=0; for p in $$pids; do \
	  arch=$${p#*:}; if wait $${p%%:*}; then r=ok; else r=FAILED; rc=1; fi; \
	  echo "test-tflite-qemu: linux/$$arch $$r"; \
	  awk '/× max|^--- |^(FAIL|ok|PASS)|^panic:/ {print "  " $$0}' $(BIN)/tflite-linux-$$arch.log; \
	done; exit $$rc
