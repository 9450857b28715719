// Command mayday runs Mayday locally and operates it: the local runner, a
// webhook simulator, the bench, and operator commands against a deployed
// stack. Every command answers -h with its flags and the environment
// variables it reads (as shared/settings declares them).
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
