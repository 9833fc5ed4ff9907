// Package server runs the platform: it opens the database, loads the
// platform signing key, serves the API over HTTPS (or plain HTTP on
// loopback for development), prunes expired request nonces, and shuts down
// gracefully when its context ends.
//
// The platform keeps no state outside the database, so several servers may
// share one PostgreSQL database behind a load balancer; SQLite is for a
// single node.
package server
