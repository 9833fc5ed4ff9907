# models/tflite: schema code generation and cross-architecture golden tests.
#
#   make tflite-schema   regenerate models/tflite/internal/tfschema from
#                        models/tflite/schema/schema.fbs with Debian's flatc 2.0.8
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
