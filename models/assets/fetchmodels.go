//go:build ignore

// fetchmodels fetches and verifies the model weights: `go run ./models/assets/fetchmodels.go [repoRoot]`.
// `make models` runs it.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/vouchkiosk/vouch/models/assets"
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := assets.Fetch(ctx, root, assets.FetchOptions{Logger: log}); err != nil {
		fmt.Fprintln(os.Stderr, "models:", err)
		os.Exit(1)
	}
}
