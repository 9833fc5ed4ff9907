# Fingerprint driver (drivers/fingerprint). Its unit, pty-simulator and fuzz
# tests run in test-unit / test-fuzz-seeds; its VM test (gpio-sim touch
# edge) runs in test-vm. Nothing extra is needed in `make test`.
#
#   make bench-fingerprint   enrol/verify round trips over the pty simulator:
#                            ns/op, bytes on the wire, wire time at 57600 baud,
#                            and the paced "57600" mode (simulated UART rate and
#                            module latencies = what a real module needs)
#   make fp-sim              vouchctl fp against the R503 simulator

.PHONY: bench-fingerprint fp-sim

bench-fingerprint:
	$(GO) test -run '^$$' -bench . -benchtime 3x -count=1 ./drivers/fingerprint/r30x/

fp-sim:
	$(GO) run ./tools/vouchctl fp probe -sim r503
	$(GO) run ./tools/vouchctl fp enroll -sim r503 -verify 2
