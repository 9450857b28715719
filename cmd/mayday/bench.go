package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/mayday/mayday/shared/testkit/bench"
)

// runBench measures Mayday in this process (see docs/PERFORMANCE.md):
//
//	mayday bench [-json] [-n 1000] [-skip-binaries]
//
// The table goes to stdout, or with -json to stderr while stdout gets the
// one JSON object. The emulator measurements run when
// AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SESV2 are set
// (scripts/services.sh run go run ./cmd/mayday bench -json).
func runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print one JSON object on stdout (the table goes to stderr)")
	var o bench.Options
	fs.IntVar(&o.N, "n", 1000, "concurrent emergency dials (contention; exhaustion uses a pool of n/10)")
	fs.IntVar(&o.Webhooks, "webhooks", 2000, "dial webhooks timed in process")
	fs.IntVar(&o.HTTPWebhooks, "http-webhooks", 1000, "dial webhooks timed over loopback HTTP")
	fs.IntVar(&o.Chains, "chains", 300, "dial → email samples, embedded")
	fs.IntVar(&o.EmulatedChains, "emulated-chains", 200, "dial → email samples on the emulators")
	fs.IntVar(&o.Callbacks, "callbacks", 1000, "inbound routing decisions timed")
	fs.IntVar(&o.Emergencies, "emergencies", 10, "emergency calls whose AWS calls are counted")
	fs.IntVar(&o.FloorSamples, "floor-samples", 200, "samples of each AWS call of the round-trip floor")
	fs.IntVar(&o.InitRuns, "init-runs", 5, "cold starts per Lambda bootstrap")
	fs.BoolVar(&o.SkipBinaries, "skip-binaries", false, "do not build the bootstraps (binary_bytes_max and init_ms null)")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !*quiet {
		o.Progress = os.Stderr
	}
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if !*asJSON {
		rep.WriteTable(os.Stdout)
		return nil
	}
	rep.WriteTable(os.Stderr)
	b, err := rep.JSON()
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
