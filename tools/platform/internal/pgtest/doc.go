// Package pgtest starts a throwaway PostgreSQL server for tests: initdb into
// a fresh directory, a free port on 127.0.0.1 only, trust authentication,
// and one fresh database per caller.
//
// It uses the server binaries of Debian's postgresql package (found on PATH
// or under /usr/lib/postgresql/*/bin). PostgreSQL refuses to run as root, so
// when the test runs as root the server runs as the "postgres" user through
// runuser. Only tests import this package; they turn ErrUnavailable into a
// skip (or a failure under CI) with internal/testenv.
package pgtest
