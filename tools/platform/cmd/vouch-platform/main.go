// Command vouch-platform is the reference central platform: device result
// ingest with signed acknowledgements, the admin API and export. See
// tools/platform/cli for its subcommands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vouchkiosk/vouch/tools/platform/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Run(ctx, os.Args[1:], cli.Env{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vouch-platform:", err)
		os.Exit(cli.ExitCode(err))
	}
}
