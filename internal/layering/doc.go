// Package layering holds the test that enforces design.md §7: imports point
// down the layer list, never up. It has no non-test code.
package layering
