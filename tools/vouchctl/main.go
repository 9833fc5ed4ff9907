// Command vouchctl is the operator and fleet-admin CLI: device identity,
// result-chain verification, diagnostics, evaluation and fleet commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vouchkiosk/vouch/tools/vouchctl/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vouchctl:", err)
		os.Exit(cli.ExitCode(err))
	}
}
