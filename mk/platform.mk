# Central platform (tools/platform) and the device upload side (agent/sync).
#
#   make platform-postgres    make sure PostgreSQL server binaries exist (installs Debian's
#                             `postgresql` with apt under CI=true; prints the hint otherwise)
#   make platform-devca       development CA + server certificate in out/devca
#   make platform-dev         run vouch-platform on https://127.0.0.1:8443 with the dev CA
#                             (SQLite in out/platform-dev); creates an org and prints its token
#   make bench-platform       ingest results/s and p99 on SQLite and PostgreSQL, with the
#                             in-run verification reference
#   make test-platform-pg     PostgreSQL half of the platform tests, without -race   [make test]
#   make test-platform-fault  200-device fault test (SIGKILLed platform, faulty proxy)
#                             on SQLite and PostgreSQL, without -race              [make test]
#
# The PostgreSQL tests start their own throwaway server (initdb in a temp dir, a free
# port on 127.0.0.1); they skip outside CI when the binaries are missing and fail
# under CI=true. test-unit runs them too (with -race, the fault test scaled to 50
# devices), so the server is ensured before it.

PLATFORM_DEV_DIR ?= out/platform-dev

.PHONY: platform-postgres platform-devca platform-dev bench-platform test-platform-pg test-platform-fault

platform-postgres:
	@if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null; then \
	  :; \
	elif [ "$(CI)" = "true" ]; then \
	  echo "platform: installing PostgreSQL (apt-get install postgresql)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
	  echo "platform: PostgreSQL missing; its tests will be skipped (apt-get install postgresql)"; \
	fi

test-unit: | platform-postgres

platform-devca:
	@mkdir -p out/devca
	@if [ -f out/devca/ca.pem ]; then echo "out/devca exists; remove it to regenerate"; else \
	  $(GO) run ./tools/platform/cmd/vouch-platform devca -dir out/devca; fi

platform-dev: platform-devca
	@mkdir -p $(PLATFORM_DEV_DIR)
	@test -f $(PLATFORM_DEV_DIR)/platform.key || $(GO) run ./tools/platform/cmd/vouch-platform keygen -out $(PLATFORM_DEV_DIR)/platform.key
	@test -f $(PLATFORM_DEV_DIR)/platform.db || $(GO) run ./tools/platform/cmd/vouch-platform org -db $(PLATFORM_DEV_DIR)/platform.db -name dev
	$(GO) run ./tools/platform/cmd/vouch-platform serve -db $(PLATFORM_DEV_DIR)/platform.db \
	  -key $(PLATFORM_DEV_DIR)/platform.key -tls-cert out/devca/server.pem -tls-key out/devca/server.key

bench-platform: platform-postgres
	@grep -m1 'model name' /proc/cpuinfo || true
	$(GO) test -run '^$$' -bench 'BenchmarkIngest' -benchtime 300x -count=1 ./tools/platform/api

test-platform-pg: platform-postgres
	$(GO) test -count=1 -run 'Postgres|/postgres' -skip 'TestFleet' ./tools/platform/...

test-platform-fault: platform-postgres
	VOUCH_FLEET_DEVICES=200 $(GO) test -count=1 -timeout 10m -run 'TestFleetFaults' -v ./tools/platform/server

TEST_STAGES += test-platform-pg test-platform-fault
