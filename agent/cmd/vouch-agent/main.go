// Command vouch-agent is the on-device kiosk service. All logic lives in
// package daemon; see `vouch-agent --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/vouchkiosk/vouch/agent/daemon"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := daemon.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "vouch-agent:", err)
		os.Exit(daemon.ExitCode(err))
	}
}
