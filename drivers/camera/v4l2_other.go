//go:build !linux

package camera

import "fmt"

// ListDevices reports ErrUnsupported: V4L2 exists only on Linux.
func ListDevices() ([]DeviceInfo, error) {
	return nil, fmt.Errorf("%w: V4L2 capture needs Linux", ErrUnsupported)
}

// OpenDevice reports ErrUnsupported: V4L2 exists only on Linux. Use
// OpenPipe, OpenFiles or NewSynthetic instead.
func OpenDevice(DeviceConfig, *Options) (*Stream, error) {
	return nil, fmt.Errorf("%w: V4L2 capture needs Linux", ErrUnsupported)
}

func listDevices([]PixelFormat) ([]DeviceInfo, error) { return ListDevices() }
