package camera_test

import (
	"context"
	"fmt"
	"time"

	"github.com/vouchkiosk/vouch/drivers/camera"
)

// A consumer takes the newest frame, uses it and releases it; the stream
// keeps capturing meanwhile.
func ExampleNewSynthetic() {
	src, err := camera.NewSynthetic(camera.SyntheticConfig{Width: 320, Height: 240, FPS: 60}, nil)
	if err != nil {
		panic(err)
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f, err := src.Next(ctx)
	if err != nil {
		panic(err)
	}
	defer f.Release() // zeroes the pixels and recycles the buffer
	fmt.Println(f.Width, f.Height, f.Stride, len(f.Pix))
	// Output: 320 240 960 230400
}
