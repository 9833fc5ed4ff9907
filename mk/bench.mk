# tools/bench: the official TFLite runtime (WebAssembly, npm) as a reference
# for speed and for bit-exact quantised outputs.
#
#   make bench-ref      install @tensorflow/tfjs-tflite (pinned, sha512-checked)
#                       into the git-ignored tools/bench/node_modules
#   make bench-models   time BlazeFace short/full range and MobileFaceNet with
#                       models/tflite and with the reference, alternating; also
#                       the portable path (-tags purego, GOAMD64=v1 and v3)
#   make test-tflite-quant-ref  quantised kernels vs the reference, bit-exact
#                       (part of `make test`)

BENCH_DIR       := tools/bench
BENCH_NPM_PKG   := @tensorflow/tfjs-tflite@0.0.1-alpha.10
BENCH_NPM_SHA   := sha512-/qmqsRBTg+XCWgNomJ/gdZIKFMpGiTEAwMhqk/7cOZEp/fTV69GuknOoSQjloYGWasQIDIriQO3bpi6T4PTEnA==
BENCH_REF_DIR   := $(BENCH_DIR)/node_modules/@tensorflow/tfjs-tflite
BENCH_REF_STAMP := $(BENCH_REF_DIR)/.vouch-integrity

.PHONY: bench-ref bench-models test-tflite-quant-ref

# npm pack fetches the exact tarball through the ordinary npm client (no
# dependency resolution: the runtime's .js/.wasm files need no other package,
# and its peer dependency tfjs-core is only for the browser wrapper). The
# tarball's sha512 is checked before anything is unpacked.
bench-ref: $(BENCH_REF_STAMP)

$(BENCH_REF_STAMP):
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "bench-ref: node and npm are required (apt-get install nodejs npm)"; \
	  [ "$(CI)" != true ] || exit 1; echo "bench-ref: SKIP (tests that need the reference skip; CI=true fails)"; exit 0; \
	fi; \
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	  (cd $$tmp && npm pack --silent $(BENCH_NPM_PKG) >/dev/null); \
	  tgz=$$(ls $$tmp/*.tgz); \
	  got=$$(node -e 'const c=require("crypto"),f=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' $$tgz); \
	  if [ "$$got" != "$(BENCH_NPM_SHA)" ]; then echo "bench-ref: integrity mismatch for $(BENCH_NPM_PKG): got $$got"; exit 1; fi; \
	  rm -rf $(BENCH_REF_DIR); mkdir -p $(BENCH_REF_DIR); \
	  tar -xzf $$tgz -C $(BENCH_REF_DIR) --strip-components=1 package/package.json package/wasm; \
	  echo "$$got" > $@; \
	  echo "bench-ref: $(BENCH_NPM_PKG) installed in $(BENCH_REF_DIR)"

# BENCH_FLAGS passes options to the tool, e.g. BENCH_FLAGS='-runs 61'.
BENCH_FLAGS ?=

bench-models: models bench-ref
	$(GO) run ./$(BENCH_DIR)/cmd/benchmodels -weights models/assets/weights -bench $(BENCH_DIR) -go $(GO) $(BENCH_FLAGS)

# The unit tests compare against the reference (tools/bench/modelbench,
# models/tflite quantised kernels); under CI=true they fail when it is
# missing, so `make test` installs it before any stage runs.
test: bench-ref

# Quantised kernels against the official runtime, bit for bit (a few
# seconds). CI=true turns a missing node or npm package into a failure.
TEST_STAGES += test-tflite-quant-ref

test-tflite-quant-ref: bench-ref
	@out=$$(CI=true $(GO) test -count=1 -v -run '^(TestQuant(AgainstReference|WithConstantWeights|izeAgainstBuiltin|RejectionsMatchReference)|TestRequantizeAgainstBuiltin)$$' ./models/tflite 2>&1); st=$$?; \
	  echo "$$out" | grep -E '^(--- |ok|FAIL)|q_ref_test'; \
	  [ $$st -eq 0 ] && echo "$$out" | grep -q '^--- PASS: TestQuantAgainstReference' && echo "$$out" | grep -q '^--- PASS: TestRequantizeAgainstBuiltin' \
	    || { echo "test-tflite-quant-ref: failed or did not run"; exit 1; }
