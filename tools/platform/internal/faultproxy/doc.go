// Package faultproxy is a TCP proxy on loopback that injects network faults
// between a client and a server, for fault tests: connections cut in the
// middle of a request or a response, answers delayed, and answers dropped
// after the server has processed the request. It works below HTTP and TLS,
// so it exercises the real client and server stacks.
//
// Each accepted connection draws one fault at random (with the configured
// probabilities) and applies it to the first exchange on that connection;
// later traffic on a faulted connection never happens because the fault
// closes it. A seed makes runs reproducible up to goroutine scheduling.
package faultproxy
