// Package api serves the agent's local HTTP endpoints on the loopback
// interface: /healthz (JSON) and /metrics (Prometheus text exposition
// format, version 0.0.4). The admin API and the kiosk UI build on it.
//
// The package presents state; it owns none. The daemon implements
// [Status]; tests use a fake.
package api
