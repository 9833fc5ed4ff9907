// Package db is the central platform's storage: one schema with versioned
// migrations shared by SQLite and PostgreSQL, and queries that are scoped by
// tenant.
//
// # Concepts
//
// An organisation (Org) is the tenant. It owns events, devices, subjects,
// results, gaps and audit entries; every method that reads or writes tenant
// data takes the organisation's ID and uses it in the WHERE clause, so a
// caller cannot reach another tenant's rows by guessing an ID. The only
// unscoped lookups are the two that authenticate a caller
// (AdminByTokenHash, DeviceForAuth): they return the organisation that the
// credential belongs to.
//
// Open chooses the backend from the DSN: "postgres://…" or
// "postgresql://…" selects PostgreSQL through pgx; anything else is a
// SQLite file (an optional "sqlite:" or "file:" prefix is accepted),
// opened in WAL mode with synchronous=FULL so a commit survives a power cut.
// SQLite writes go through a single connection; reads use a pool.
//
// Migrations live in migrations/NNNN_name.sql and are applied in order, each
// in its own transaction, on Open. A database whose schema is newer than
// this binary is refused with ErrSchemaTooNew.
//
// # Caveats
//
// Sequence numbers are uint64 on the wire and BIGINT in the database, so
// values at or above 2^63 are rejected with ErrOutOfRange.
package db
