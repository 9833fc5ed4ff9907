# agent/store and agent/seal: benchmarks with the CPU they ran on.
.PHONY: bench-store
bench-store:
	@grep -m1 'model name' /proc/cpuinfo || true
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./agent/store ./agent/seal
