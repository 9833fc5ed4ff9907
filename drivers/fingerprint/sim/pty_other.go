//go:build !linux

package sim

import "os"

func openRawPTY() (master, slave *os.File, err error) { return nil, nil, ErrUnsupported }
