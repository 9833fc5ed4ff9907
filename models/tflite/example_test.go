package tflite_test

import (
	"context"
	"fmt"
	"os"

	"github.com/vouchkiosk/vouch/models/tflite"
)

// Run the short-range face detector on one letterboxed frame.
func Example() {
	data, err := os.ReadFile("../assets/weights/face_detection_short_range.tflite")
	if err != nil {
		fmt.Println("run `make models` first")
		return
	}
	m, err := tflite.Load(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	ip, err := tflite.NewInterpreter(m, nil) // nil: shapes as in the file, one thread
	if err != nil {
		fmt.Println(err)
		return
	}
	in, _ := ip.InputByName("input")
	pixels := in.Float32s() // [1,128,128,3], RGB scaled to [-1, 1]
	for i := range pixels {
		pixels[i] = -1 // a black frame
	}
	if err := ip.Invoke(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	scores, _ := ip.OutputByName("classificators")
	fmt.Println(scores.Shape())
	// Output: [1 896 1]
}
