// Package bench measures Mayday against the limits that bound it
// (docs/PERFORMANCE.md):
// webhook latency in process and over loopback HTTP, dial → email latency
// on the embedded adapters and on DynamoDB Local + aws-ses-v2-local beside
// the round-trip floor of the AWS calls the path needs, AWS calls per
// emergency call, contention and pool exhaustion, the inbound routing
// decision, Lambda binary sizes and cold-start time. `mayday bench` runs it;
// docs/PERFORMANCE.md explains each figure.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Options size the run. Zero values take the defaults.
type Options struct {
	N              int // concurrent emergency dials, contention and exhaustion (1000)
	Webhooks       int // dial webhooks timed in process (2000)
	HTTPWebhooks   int // dial webhooks timed over loopback HTTP (1000)
	Chains         int // dial → email samples, embedded (300)
	EmulatedChains int // dial → email samples on the emulators (200)
	Callbacks      int // inbound routing decisions timed (1000)
	Emergencies    int // emergency calls whose AWS calls are counted (10)
	FloorSamples   int // samples of each AWS call of the floor (200)
	InitRuns       int // cold starts per function (5)
	// Emulated runs the emulator measurements; by default when
	// AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SESV2 are both set.
	Emulated *bool
	// SkipBinaries leaves binary_bytes_max and init_ms null (no builds).
	SkipBinaries bool
	// Root is the module root to build from; found with `go env GOMOD`.
	Root string
	// Progress receives one line per phase; nil for none.
	Progress io.Writer
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.N, 1000)
	def(&o.Webhooks, 2000)
	def(&o.HTTPWebhooks, 1000)
	def(&o.Chains, 300)
	def(&o.EmulatedChains, 200)
	def(&o.Callbacks, 1000)
	def(&o.Emergencies, 10)
	def(&o.FloorSamples, 200)
	def(&o.InitRuns, 5)
	if o.Emulated == nil {
		on := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" && os.Getenv("AWS_ENDPOINT_URL_SESV2") != ""
		o.Emulated = &on
	}
}

// Result is the one JSON object `mayday bench -json` prints. Milliseconds
// unless named otherwise; null where the measurement did not run.
type Result struct {
	WebhookP50Ms              float64  `json:"webhook_p50_ms"`
	WebhookP99Ms              float64  `json:"webhook_p99_ms"`
	WebhookHTTPP99Ms          float64  `json:"webhook_http_p99_ms"`
	DialToEmailP50Ms          float64  `json:"dial_to_email_p50_ms"`
	DialToEmailP99Ms          float64  `json:"dial_to_email_p99_ms"`
	DialToEmailEmulatedP99Ms  *float64 `json:"dial_to_email_emulated_p99_ms"`
	RoundtripFloorMs          *float64 `json:"roundtrip_floor_ms"`
	AWSCallsPerEmergency      *float64 `json:"aws_calls_per_emergency"`
	ContentionDials           int      `json:"contention_dials"`
	ContentionDuplicateLeases int      `json:"contention_duplicate_leases"`
	ContentionEmails          int      `json:"contention_emails"`
	ContentionRestored        int      `json:"contention_restored"`
	ExhaustionUnserved        int      `json:"exhaustion_unserved"`
	CallbackRouteP99Ms        float64  `json:"callback_route_p99_ms"`
	BinaryBytesMax            *int64   `json:"binary_bytes_max"`
	InitMs                    *float64 `json:"init_ms"`
}

// Report is the Result and what explains it.
type Report struct {
	Result  Result
	Options Options

	Webhook, WebhookHTTP, DialToEmail, CallbackRoute Summary
	DialToEmailEmulated                              *Summary
	Floor                                            []FloorPart
	AWSCalls                                         *AWSCalls
	Contention, Exhaustion                           Contention
	Binaries                                         []Binary
	Elapsed                                          time.Duration
}

// emulatorWarmup is how many untimed chains warm the emulators up.
const emulatorWarmup = 30

// webhookPool is the pool behind the webhook and callback measurements.
const webhookPool = 100

// Run measures everything, in this process, one phase after the other.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	rep := &Report{Options: o}
	res := &rep.Result
	began := time.Now()
	progress := func(format string, args ...any) {
		if o.Progress != nil {
			fmt.Fprintf(o.Progress, "bench: %6.1fs  %s\n", time.Since(began).Seconds(), fmt.Sprintf(format, args...))
		}
	}
	phase := func(name string, f func() error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		progress("%-28s %s", name, time.Since(start).Round(time.Millisecond))
		return nil
	}

	// Embedded: webhooks in process and over HTTP, then callbacks to the
	// numbers those dials leased.
	err := phase("webhooks (embedded)", func() error {
		// One fresh agent per dial; a pool of webhookPool numbers, so the
		// chain behind most dials takes a lease over (untimed).
		agents := o.Webhooks + o.HTTPWebhooks
		s, err := boot(nil, nil)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.seed("wh", agents, webhookPool, 1); err != nil {
			return err
		}
		if _, err := webhookInProcess(s, "warm", 0, 100); err != nil { // warm-up, not kept
			return err
		}
		in, err := webhookInProcess(s, "wh", 0, o.Webhooks)
		if err != nil {
			return err
		}
		rep.Webhook = Summarise(in)
		res.WebhookP50Ms, res.WebhookP99Ms = rep.Webhook.P50, rep.Webhook.P99
		over, err := webhookHTTP(s, "wh", o.Webhooks, o.HTTPWebhooks)
		if err != nil {
			return err
		}
		rep.WebhookHTTP = Summarise(over)
		res.WebhookHTTPP99Ms = rep.WebhookHTTP.P99
		cb, err := callbackRoutes(s, "wh", o.Callbacks)
		if err != nil {
			return err
		}
		rep.CallbackRoute = Summarise(cb)
		res.CallbackRouteP99Ms = rep.CallbackRoute.P99
		return nil
	})
	if err != nil {
		return rep, err
	}

	err = phase("dial → email (embedded)", func() error {
		s, err := boot(nil, nil)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.seed("de", o.Chains, o.Chains, 2); err != nil {
			return err
		}
		d, err := dialToEmail(s, "de", 0, o.Chains)
		if err != nil {
			return err
		}
		rep.DialToEmail = Summarise(d)
		res.DialToEmailP50Ms, res.DialToEmailP99Ms = rep.DialToEmail.P50, rep.DialToEmail.P99
		return nil
	})
	if err != nil {
		return rep, err
	}

	err = phase(fmt.Sprintf("contention (N=%d)", o.N), func() error {
		c, err := contention("ct", o.N, o.N, 3)
		rep.Contention = c
		res.ContentionDials, res.ContentionDuplicateLeases = c.Dials, c.DuplicateLeases
		res.ContentionEmails, res.ContentionRestored = c.Emails, c.Restored
		return err
	})
	if err != nil {
		return rep, err
	}
	err = phase(fmt.Sprintf("exhaustion (N=%d, pool %d)", o.N, max(1, o.N/10)), func() error {
		c, err := contention("ex", o.N, max(1, o.N/10), 4)
		rep.Exhaustion = c
		res.ExhaustionUnserved = c.Unserved
		return err
	})
	if err != nil {
		return rep, err
	}

	if *o.Emulated {
		err = phase("emulators", func() error {
			e, err := bootEmulated(ctx)
			if err != nil {
				return err
			}
			defer e.s.Close()
			// Agents and numbers: the timed chains, the counted calls, the
			// warm-up chains.
			if err := e.s.seed("em", o.EmulatedChains+o.Emergencies+emulatorWarmup, o.EmulatedChains+o.Emergencies+emulatorWarmup, 5); err != nil {
				return err
			}
			progress("  seeded the emulated store")
			// The emulators run on a JIT (Java) and V8: warm them up with the
			// calls both measurements make, untimed.
			if _, _, err := e.floorSamples(ctx, "warm", o.FloorSamples); err != nil {
				return err
			}
			if _, err := dialToEmail(e.s, "em", o.EmulatedChains+o.Emergencies, emulatorWarmup); err != nil {
				return fmt.Errorf("warm-up: %w", err)
			}
			progress("  warmed the emulators up")
			calls, err := e.awsCallsPerEmergency("em", o.EmulatedChains, o.Emergencies)
			if err != nil {
				return fmt.Errorf("AWS calls: %w", err)
			}
			rep.AWSCalls, res.AWSCallsPerEmergency = &calls, &calls.PerEmergency
			progress("  counted the AWS calls of %d emergency calls", o.Emergencies)
			// The floor's samples are taken half before, half after the
			// chain's, so that both see the emulators in the same state.
			names, before, err := e.floorSamples(ctx, "a", (o.FloorSamples+1)/2)
			if err != nil {
				return err
			}
			d, err := dialToEmail(e.s, "em", 0, o.EmulatedChains)
			if err != nil {
				return fmt.Errorf("dial → email: %w", err)
			}
			sum := Summarise(d)
			rep.DialToEmailEmulated, res.DialToEmailEmulatedP99Ms = &sum, &sum.P99
			progress("  timed dial → email")
			_, after, err := e.floorSamples(ctx, "b", o.FloorSamples/2)
			if err != nil {
				return err
			}
			for i := range before {
				before[i] = append(before[i], after[i]...)
			}
			floor, parts := floor(names, before)
			rep.Floor, res.RoundtripFloorMs = parts, &floor
			return nil
		})
		if err != nil {
			return rep, err
		}
	}

	if !o.SkipBinaries {
		err = phase("binaries and cold starts", func() error {
			root := o.Root
			if root == "" {
				var err error
				if root, err = ModuleRoot(); err != nil {
					return err
				}
			}
			bins, err := binaries(ctx, root, o.InitRuns, progress)
			if err != nil {
				return err
			}
			rep.Binaries = bins
			var size int64
			var init float64
			for _, b := range bins {
				size, init = max(size, b.Bytes), max(init, b.InitMs)
			}
			res.BinaryBytesMax, res.InitMs = &size, &init
			return nil
		})
		if err != nil {
			return rep, err
		}
	}
	rep.Elapsed = time.Since(began)
	return rep, nil
}

// JSON is the Result as one JSON object.
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r.Result, "", "  ") }

// Goals, by JSON field (docs/PERFORMANCE.md says why each).
var Goals = map[string]string{
	"dial_to_email_p99_ms":          "≤ 20 ms",
	"dial_to_email_emulated_p99_ms": "≤ 1.5 × roundtrip_floor_ms",
	"aws_calls_per_emergency":       "≤ 7",
	"contention_duplicate_leases":   "0",
	"contention_dials":              "= N",
	"contention_emails":             "= N",
	"contention_restored":           "= N",
	"exhaustion_unserved":           "0",
	"init_ms":                       "≤ 30 ms",
	"binary_bytes_max":              "≤ 10 MB (10,485,760)",
}

// WriteTable prints every field with its goal, then the details.
func (r *Report) WriteTable(w io.Writer) {
	res, o := r.Result, r.Options
	f := func(v float64) string { return fmt.Sprintf("%.3f", v) }
	pf := func(v *float64) string {
		if v == nil {
			return "null"
		}
		return f(*v)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "field\tvalue\tgoal\tmet\tsamples / notes")
	row := func(field, value, note string, met string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", field, value, Goals[field], met, note)
	}
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "NO"
	}
	n := func(s Summary) string { return fmt.Sprintf("n=%d max=%.3f", s.N, s.Max) }
	row("webhook_p50_ms", f(res.WebhookP50Ms), n(r.Webhook), "")
	row("webhook_p99_ms", f(res.WebhookP99Ms), "", "")
	row("webhook_http_p99_ms", f(res.WebhookHTTPP99Ms), fmt.Sprintf("%s p50=%.3f", n(r.WebhookHTTP), r.WebhookHTTP.P50), "")
	row("dial_to_email_p50_ms", f(res.DialToEmailP50Ms), n(r.DialToEmail), "")
	row("dial_to_email_p99_ms", f(res.DialToEmailP99Ms), "", yes(res.DialToEmailP99Ms <= 20))
	emMet, emNote := "", "no emulators"
	if res.DialToEmailEmulatedP99Ms != nil && res.RoundtripFloorMs != nil {
		ratio := *res.DialToEmailEmulatedP99Ms / *res.RoundtripFloorMs
		emMet = yes(ratio <= 1.5)
		emNote = fmt.Sprintf("%s p50=%.3f; %.2f × floor", n(*r.DialToEmailEmulated), r.DialToEmailEmulated.P50, ratio)
	}
	row("dial_to_email_emulated_p99_ms", pf(res.DialToEmailEmulatedP99Ms), emNote, emMet)
	row("roundtrip_floor_ms", pf(res.RoundtripFloorMs), "sum of medians, see below", "")
	callsMet, callsNote := "", "no emulators"
	if res.AWSCallsPerEmergency != nil {
		callsMet = yes(*res.AWSCallsPerEmergency <= 7)
		callsNote = fmt.Sprintf("mean of %d calls; %.1f HTTP requests incl. retries", r.AWSCalls.Runs, r.AWSCalls.Attempts)
	}
	row("aws_calls_per_emergency", pf(res.AWSCallsPerEmergency), callsNote, callsMet)
	c := r.Contention
	row("contention_dials", fmt.Sprint(res.ContentionDials), fmt.Sprintf("N=%d, settled in %s", o.N, c.Elapsed.Round(time.Millisecond)), yes(c.Dials == o.N))
	row("contention_duplicate_leases", fmt.Sprint(res.ContentionDuplicateLeases), fmt.Sprintf("takeovers=%d unserved=%d", c.Takeovers, c.Unserved), yes(c.DuplicateLeases == 0))
	row("contention_emails", fmt.Sprint(res.ContentionEmails), fmt.Sprintf("calls emailed twice=%d dead letters=%d", c.DuplicateEmails, c.DeadLetters), yes(c.Emails == o.N && c.DuplicateEmails == 0))
	row("contention_restored", fmt.Sprint(res.ContentionRestored), "", yes(c.Restored == o.N))
	x := r.Exhaustion
	row("exhaustion_unserved", fmt.Sprint(res.ExhaustionUnserved), fmt.Sprintf("pool %d: takeovers=%d duplicates=%d emails=%d dead letters=%d, settled in %s",
		max(1, o.N/10), x.Takeovers, x.DuplicateLeases, x.Emails, x.DeadLetters, x.Elapsed.Round(time.Millisecond)), yes(x.Unserved == 0))
	row("callback_route_p99_ms", f(res.CallbackRouteP99Ms), fmt.Sprintf("%s p50=%.3f", n(r.CallbackRoute), r.CallbackRoute.P50), "")
	if res.BinaryBytesMax != nil {
		row("binary_bytes_max", fmt.Sprint(*res.BinaryBytesMax), "linux/arm64, Makefile flags", yes(*res.BinaryBytesMax <= 10<<20))
		row("init_ms", pf(res.InitMs), fmt.Sprintf("slowest function, median of %d", o.InitRuns), yes(*res.InitMs <= 30))
	} else {
		row("binary_bytes_max", "null", "skipped", "")
		row("init_ms", "null", "skipped", "")
	}
	tw.Flush()

	if len(r.Floor) > 0 {
		fmt.Fprintln(w, "\nround-trip floor (emulators), each call timed alone:")
		for _, p := range r.Floor {
			fmt.Fprintf(w, "  p50 %7.3f ms  p99 %7.3f ms  %s\n", p.P50, p.P99, p.Call)
		}
	}
	if r.AWSCalls != nil {
		fmt.Fprintf(w, "\nAWS calls per emergency call, by step (mean of %d; median ms of the step run alone; totals by call):\n", r.AWSCalls.Runs)
		for _, s := range r.AWSCalls.PerStep {
			fmt.Fprintf(w, "  %5.1f calls %7.3f ms  %-20s %s\n", s.Calls, s.Ms, s.Step, s.Detail)
		}
	}
	if len(r.Binaries) > 0 {
		fmt.Fprintln(w, "\nbootstraps (size linux/arm64; init on the host, median):")
		for _, b := range r.Binaries {
			fmt.Fprintf(w, "  %10d bytes  %7.3f ms  %s\n", b.Bytes, b.InitMs, b.Function)
		}
	}
	fmt.Fprintf(w, "\ntook %s\n", r.Elapsed.Round(100*time.Millisecond))
}

// String is the table.
func (r *Report) String() string {
	var b strings.Builder
	r.WriteTable(&b)
	return b.String()
}
