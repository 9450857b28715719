// Command mayday runs Mayday locally and operates it: the local runner, a
// webhook simulator, and operator commands against a deployed stack.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const usage = `usage: mayday <command> [flags]

commands:
  local      run the whole emergency-call chain locally (embedded store and mailer)
  bench      measure latencies, AWS calls, contention, binary size and init time
             (-json for one JSON object; see docs/PERFORMANCE.md)
  simulate   send signed sample webhooks to a running local system:
               mayday simulate demo               the whole flow, step by step
               mayday simulate dial|end|inbound   one webhook (see -h)

operator commands (AWS):
` + operateUsage + "\n"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "local":
		err = runLocal(ctx, os.Args[2:])
	case "simulate":
		err = runSimulate(ctx, os.Args[2:])
	case "bench":
		err = runBench(ctx, os.Args[2:])
	case "numbers":
		err = runNumbers(ctx, os.Args[2:])
	case "contacts":
		err = runContacts(ctx, os.Args[2:])
	case "readiness":
		err = runReadiness(ctx, os.Args[2:])
	case "template":
		err = runTemplate(ctx, os.Args[2:])
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "mayday: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mayday:", err)
		os.Exit(1)
	}
}
