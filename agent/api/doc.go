// Package api serves the agent's local HTTP endpoints on the loopback
// interface: /healthz (JSON) and /metrics (Prometheus text exposition
// format, version 0.0.4). The admin API and the kiosk UI build on it.
//
// Binding to loopback keeps other hosts out but not the kiosk's own
// browser: a page whose DNS name is rebound to 127.0.0.1 could read the
// device id and metrics. So the Server answers only requests whose Host is
// "localhost" or a loopback IP literal with the port the connection arrived
// on, and 421 Misdirected Request to any other.
//
// The package presents state; it owns none. The daemon implements
// [Status]; tests use a fake.
package api
