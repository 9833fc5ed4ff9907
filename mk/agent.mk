# agent: result-chain benchmark and an end-to-end smoke test of `make demo`.
#
#   make bench-result     append (sign + chain + fsynced bbolt commit) vs its parts
#   make test-agent-demo  runs scripts/demo, checks /healthz and /metrics, stops it
#                         with SIGINT and expects a clean exit            [make test]

.PHONY: bench-result test-agent-demo

bench-result:
	@grep -m1 'model name' /proc/cpuinfo || true
	$(GO) test -run '^$$' -bench 'Append|Open' -benchmem -count=1 ./agent/result

test-agent-demo:
	@mkdir -p $(BIN)
	$(GOBUILD_STATIC) -o $(BIN)/vouch-agent ./agent/cmd/vouch-agent
	@scripts/demo-smoke

TEST_STAGES += test-agent-demo
