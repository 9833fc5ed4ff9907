// Package daemon wires the on-device agent together: it parses the
// command line, loads the device identity, opens the store and the result
// log, and serves the local API until its context ends.
//
// The vouch-agent main only sets up signals and calls [Run].
//
// # Data directory
//
// [Layout] names the files inside the data directory: keys/ (the key
// backend: identity and template key-encryption key, 0600 files in a 0700
// directory) and vouch.db (the bbolt store). Provisioning creates them;
// with --dev the agent creates a development identity itself.
package daemon
