// Package devicetest simulates a kiosk's signing side for platform tests: a
// device key and a chain of genuinely signed result records. Only tests
// import it.
package devicetest
