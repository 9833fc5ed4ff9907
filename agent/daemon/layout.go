package daemon

import "path/filepath"

// Layout names the files of a data directory. vouchctl and provisioning use
// it too, so there is one definition of where things live.
type Layout struct {
	Dir string // the data directory
}

// Keys returns the key backend directory.
func (l Layout) Keys() string { return filepath.Join(l.Dir, "keys") }

// DB returns the path of the bbolt store.
func (l Layout) DB() string { return filepath.Join(l.Dir, "vouch.db") }
