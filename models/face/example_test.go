package face_test

import (
	"fmt"

	"github.com/vouchkiosk/vouch/models/face"
)

func ExampleNewLetterbox() {
	lb, _ := face.NewLetterbox(640, 480, 128)
	x, y := lb.ToFrame(0.5, 0.5) // centre of the detector input
	fmt.Println(lb.ContentW, lb.ContentH, lb.PadX, lb.PadY, lb.PrefilterK, x, y)
	// Output: 128 96 0 16 5 320 240
}

func ExampleIssue_Message() {
	q := face.DefaultQuality().CheckGeometry(nil, 640, 480)
	for _, is := range q.Issues {
		fmt.Println(is, "—", is.Message())
	}
	// Output: no_face — No face found. Please look at the camera.
}
