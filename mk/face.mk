# models/face, models/match: evaluation, benchmarks and the purego check.
#
#   make eval-faces        run `vouchctl eval faces` on ../shared/testdata/faces; writes
#                          out/eval/{calibration.json,det.png} and out/eval/report.txt
#   make bench-face        frame→template (single thread) and 1:N index benchmarks
#   make test-face-purego  match tests with -tags purego (generic int8 kernel)   [make test]
#   make test-face-eval    eval-faces must run and report EER ≤ 1%                [make test]

FACE_EVAL_DIR ?= ../shared/testdata/faces
FACE_EVAL_OUT ?= out/eval

.PHONY: eval-faces bench-face test-face-purego test-face-eval

eval-faces: models
	@mkdir -p $(FACE_EVAL_OUT)
	$(GO) run ./tools/vouchctl eval faces -det $(FACE_EVAL_OUT)/det.png \
	  -calibration $(FACE_EVAL_OUT)/calibration.json $(FACE_EVAL_DIR) | tee $(FACE_EVAL_OUT)/report.txt

bench-face: models
	$(GO) test -run '^$$' -bench 'FrameToTemplate' -benchtime 20x ./models/face
	$(GO) test -run '^$$' -bench 'Search|DotsInt8' -benchmem ./models/match

test-face-purego:
	$(GO) test -count=1 -tags purego ./models/match/...

test-face-eval: eval-faces
	@awk '/^EER /{ sub("%","",$$2); if ($$2+0 > 1.0) { print "EER " $$2 "% > 1%"; exit 1 } ; found=1 } END { if (!found) { print "no EER line"; exit 1 } }' $(FACE_EVAL_OUT)/report.txt

TEST_STAGES += test-face-purego test-face-eval

# `make test` runs every package under -race, where the face model tests use
# only a sample of the images; this stage runs them all without -race.
.PHONY: test-face-models
test-face-models: models
	$(GO) test -count=1 -timeout 15m ./models/face/...

TEST_STAGES += test-face-models
