// Package fpvmtest holds the fingerprint driver's tests against real kernel
// GPIO (gpio-sim) in the test VM: `make vmtest` runs them; plain `go test`
// does not compile them (build tag vmtest). The package has no code of its
// own, so the pty-based tests of the driver packages stay out of the VM,
// whose /dev has no devpts.
//
// Wiring played by the test: gpio-sim line vmtest-line0 is the module's
// touch output (active low, as on an R503), the module itself is the
// simulator over an in-memory pipe.
package fpvmtest
