package main

import (
	"context"
	"fmt"
	"time"

	"github.com/mayday/mayday/shared/bench"
)

var benchCommand = &command{
	name:    "bench",
	args:    "[flags]",
	summary: "measure latencies, AWS calls, contention, binary size and init time (docs/PERFORMANCE.md)",
	about: `The table goes to stdout, or with -json to stderr while stdout gets the one
JSON object. Each figure is shown with its goal and the adapter it ran on.
The bootstraps are built by scripts/build-functions.sh, as by make build.
The emulator measurements (the dial answer and dial → email on DynamoDB
Local and aws-ses-v2-local beside their floors, the raw SDK calls each
sample made issued back to back after it; AWS calls per emergency by step;
a burst of 20 dials at a site with 25 free numbers) run when both
endpoints are set:
scripts/services.sh run go run ./cmd/mayday bench -json`,
	otherEnv: []otherVar{
		{dynamoEndpoint.name, dynamoEndpoint.doc + "; with " + sesEndpoint.name + ", runs the emulator measurements"},
		{sesEndpoint.name, sesEndpoint.doc},
	},
	run: runBench,
}

// runBench measures Mayday in this process (see docs/PERFORMANCE.md).
func runBench(ctx context.Context, c *call, args []string) error {
	fs := c.flags
	asJSON := fs.Bool("json", false, "print one JSON object on stdout (the table goes to stderr)")
	var o bench.Options
	fs.IntVar(&o.N, "n", 1000, "concurrent emergency dials at one site (contention on a pool of n; exhaustion on a pool of n/10)")
	fs.IntVar(&o.Webhooks, "webhooks", 2000, "dial webhooks timed in process")
	fs.IntVar(&o.HTTPWebhooks, "http-webhooks", 1000, "dial webhooks timed over loopback HTTP")
	fs.IntVar(&o.Chains, "chains", 300, "dial → email samples, embedded")
	fs.IntVar(&o.DialAnswers, "dial-answers", 200, "dial answers timed on DynamoDB Local")
	fs.IntVar(&o.EmulatedChains, "emulated-chains", 200, "dial → email samples on the emulators")
	fs.IntVar(&o.Callbacks, "callbacks", 1000, "inbound routing decisions timed")
	fs.IntVar(&o.Emergencies, "emergencies", 10, "emergency calls whose AWS calls are counted")
	fs.IntVar(&o.InitRuns, "init-runs", 5, "cold starts per Lambda bootstrap")
	fs.IntVar(&o.OutageEmergencies, "outage-emergencies", 100, "emergencies dialled and ended while EventBridge's PutEvents fails")
	fs.DurationVar(&o.Outage, "outage", 30*time.Second, "how long PutEvents fails in the EventBridge outage")
	fs.BoolVar(&o.SkipBinaries, "skip-binaries", false, "do not build the bootstraps (binary_bytes_max and init_ms null)")
	quiet := fs.Bool("q", false, "no progress lines on stderr")
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return c.usageErrorf("unexpected arguments %q", rest)
	}
	if !*quiet {
		o.Progress = c.stderr
	}
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if !*asJSON {
		rep.WriteTable(c.stdout)
		return nil
	}
	rep.WriteTable(c.stderr)
	b, err := rep.JSON()
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, string(b))
	return nil
}
