// Package bench measures Mayday against the limits that bound it
// (docs/PERFORMANCE.md): the dial answer (with its caller ID) in process,
// over loopback HTTP and on DynamoDB Local beside the round-trip floor of
// the AWS calls it makes; dial → email latency on the embedded adapters and
// on DynamoDB Local + aws-ses-v2-local beside the floor of the whole path;
// AWS calls per emergency call, by step; contention and pool exhaustion at
// one site; the inbound routing decision; Lambda binary sizes and
// cold-start time. `mayday bench` runs it; docs/PERFORMANCE.md explains
// each figure.
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

	"github.com/mayday/mayday/shared/awscount"
	"github.com/mayday/mayday/shared/settings"
)

// Options size the run. Zero values take the defaults.
type Options struct {
	N              int // concurrent emergency dials at one site: contention (pool N) and exhaustion (pool N/10) (1000)
	Webhooks       int // dial webhooks timed in process (2000)
	HTTPWebhooks   int // dial webhooks timed over loopback HTTP (1000)
	Chains         int // dial → email samples, embedded (300)
	DialAnswers    int // dial answers timed on the emulators (200)
	EmulatedChains int // dial → email samples on the emulators (200)
	Callbacks      int // inbound routing decisions timed (1000)
	Emergencies    int // emergency calls whose AWS calls are counted (10)
	// OutageEmergencies are dialled and ended while PutEvents fails for
	// Outage (100, 30 s).
	OutageEmergencies int
	Outage            time.Duration
	InitRuns          int // cold starts per function (5)
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
	def(&o.DialAnswers, 200)
	def(&o.EmulatedChains, 200)
	def(&o.Callbacks, 1000)
	def(&o.Emergencies, 10)
	def(&o.InitRuns, 5)
	def(&o.OutageEmergencies, 100)
	if o.Outage <= 0 {
		o.Outage = 30 * time.Second
	}
	if o.Emulated == nil {
		on := os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" && os.Getenv("AWS_ENDPOINT_URL_SESV2") != ""
		o.Emulated = &on
	}
}

// Result is the one JSON object `mayday bench -json` prints. Milliseconds
// unless named otherwise; null where the measurement did not run.
type Result struct {
	WebhookP50Ms     float64 `json:"webhook_p50_ms"`
	WebhookP99Ms     float64 `json:"webhook_p99_ms"`
	WebhookHTTPP50Ms float64 `json:"webhook_http_p50_ms"`
	WebhookHTTPP99Ms float64 `json:"webhook_http_p99_ms"`

	DialAnswerEmulatedP50Ms *float64 `json:"dial_answer_emulated_p50_ms"`
	DialAnswerEmulatedP99Ms *float64 `json:"dial_answer_emulated_p99_ms"`
	// The floors: the raw SDK calls each measured sample made, issued back
	// to back after it, one sequence per sample.
	DialAnswerFloorP50Ms    *float64 `json:"dial_answer_floor_p50_ms"`
	DialAnswerFloorP99Ms    *float64 `json:"dial_answer_floor_p99_ms"`
	DialAnswerFloorRatio    *float64 `json:"dial_answer_floor_ratio"`     // p99 / floor p99
	DialAnswerFloorP50Ratio *float64 `json:"dial_answer_floor_p50_ratio"` // p50 / floor p50
	// A remote agent's dial presenting their own number, and its p99 over
	// the site dial's p99 of the same run.
	DialAnswerRemoteEmulatedP50Ms *float64 `json:"dial_answer_remote_emulated_p50_ms"`
	DialAnswerRemoteEmulatedP99Ms *float64 `json:"dial_answer_remote_emulated_p99_ms"`
	DialAnswerRemoteRatio         *float64 `json:"dial_answer_remote_ratio"`

	DialToEmailP50Ms         float64  `json:"dial_to_email_p50_ms"`
	DialToEmailP99Ms         float64  `json:"dial_to_email_p99_ms"`
	DialToEmailEmulatedP50Ms *float64 `json:"dial_to_email_emulated_p50_ms"`
	DialToEmailEmulatedP99Ms *float64 `json:"dial_to_email_emulated_p99_ms"`
	RoundtripFloorP50Ms      *float64 `json:"roundtrip_floor_p50_ms"`
	RoundtripFloorP99Ms      *float64 `json:"roundtrip_floor_p99_ms"`
	DialToEmailFloorRatio    *float64 `json:"dial_to_email_floor_ratio"` // p99 / floor p99

	AWSCallsPerEmergency *float64    `json:"aws_calls_per_emergency"`
	AWSCallsByStep       []StepCount `json:"aws_calls_by_step"`
	// The same by step, one key each (in Steps order).
	AWSCallsDial            *float64 `json:"aws_calls_per_emergency_dial"`
	AWSCallsOutboxStart     *float64 `json:"aws_calls_per_emergency_outbox_start"`
	AWSCallsLeaseAllocation *float64 `json:"aws_calls_per_emergency_lease_allocation"`
	AWSCallsEmail           *float64 `json:"aws_calls_per_emergency_email"`
	AWSCallsEnd             *float64 `json:"aws_calls_per_emergency_end"`
	AWSCallsOutboxEnd       *float64 `json:"aws_calls_per_emergency_outbox_end"`
	AWSCallsRestore         *float64 `json:"aws_calls_per_emergency_restore"`

	SiteContentionDistinctCallerIDs int     `json:"site_contention_distinct_caller_ids"`
	SiteContentionDuplicates        int     `json:"site_contention_duplicates"`
	SiteContentionAnswerP50Ms       float64 `json:"site_contention_answer_p50_ms"`
	SiteContentionAnswerP99Ms       float64 `json:"site_contention_answer_p99_ms"`
	ContentionDials                 int     `json:"contention_dials"`
	ContentionDuplicateLeases       int     `json:"contention_duplicate_leases"`
	ContentionEmails                int     `json:"contention_emails"`
	ContentionRestored              int     `json:"contention_restored"`

	// burstDials concurrent dials at one site with burstPool free numbers,
	// on DynamoDB Local.
	SiteBurstEmulatedDistinct    *int     `json:"site_burst_emulated_distinct"`
	SiteBurstEmulatedECBN        *int     `json:"site_burst_emulated_ecbn"`
	SiteBurstEmulatedAnswerP99Ms *float64 `json:"site_burst_emulated_answer_p99_ms"`

	SiteExhaustionAnswerP50Ms     float64 `json:"site_exhaustion_answer_p50_ms"`
	SiteExhaustionAnswerP99Ms     float64 `json:"site_exhaustion_answer_p99_ms"`
	SiteExhaustionOverBudget      int     `json:"site_exhaustion_over_budget"`
	SiteExhaustionLeases          int     `json:"site_exhaustion_leases"`
	SiteExhaustionECBN            int     `json:"site_exhaustion_ecbn"`
	SiteExhaustionWithoutCallerID int     `json:"site_exhaustion_without_caller_id"`
	SiteExhaustionNotified        int     `json:"site_exhaustion_notified"`
	SiteExhaustionDuplicateLeases int     `json:"site_exhaustion_duplicate_leases"`

	EventBridgeOutageEmergencies   int     `json:"eventbridge_outage_emergencies"`
	EventBridgeOutageEmails        int     `json:"eventbridge_outage_emails"`
	EventBridgeOutageRestored      int     `json:"eventbridge_outage_restored"`
	EventBridgeOutageLost          int     `json:"eventbridge_outage_lost"`
	EventBridgeOutageDuplicates    int     `json:"eventbridge_outage_duplicates"`
	EventBridgeOutageRecoveryP99Ms float64 `json:"eventbridge_outage_recovery_p99_ms"`

	CallbackRouteP99Ms float64  `json:"callback_route_p99_ms"`
	BinaryBytesMax     *int64   `json:"binary_bytes_max"`
	InitMs             *float64 `json:"init_ms"`
}

// Report is the Result and what explains it.
type Report struct {
	Result  Result
	Options Options

	Webhook, WebhookHTTP, DialToEmail, CallbackRoute Summary
	DialAnswerEmulated, DialToEmailEmulated          *Emulated
	DialAnswerRemoteEmulated                         *Emulated
	DialAnswerFloor, Floor                           []FloorPart
	AWSCalls                                         *AWSCalls
	Contention, Exhaustion                           Contention
	Burst                                            *Contention // on the emulators
	DialAnswerFloorSummary, FloorSummary             Summary
	Outage                                           Outage
	Binaries                                         []Binary
	Elapsed                                          time.Duration
}

// emulatorWarmup is how many untimed chains warm the emulators up.
const emulatorWarmup = 30

// sitePool is the size of the site pool behind the sequential
// measurements (webhooks, dial → email, callbacks, the emulated ones);
// nextDial releases its leases whenever it is all leased.
const sitePool = 100

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
		progress("%-36s %s", name, time.Since(start).Round(time.Millisecond))
		return nil
	}

	// Embedded: webhooks in process and over HTTP, then callbacks to the
	// numbers those dials leased.
	err := phase("webhooks (embedded)", func() error {
		// One fresh agent per dial at one site with a pool of sitePool
		// numbers, released whenever all are leased.
		agents := 100 + o.Webhooks + o.HTTPWebhooks
		s, err := boot(nil, nil, nil)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.seed("wh", agents, sitePool, 1); err != nil {
			return err
		}
		if _, err := webhookInProcess(s, "wh", 0, 100); err != nil { // warm-up, not kept
			return err
		}
		in, err := webhookInProcess(s, "wh", 100, o.Webhooks)
		if err != nil {
			return err
		}
		rep.Webhook = Summarise(in)
		res.WebhookP50Ms, res.WebhookP99Ms = rep.Webhook.P50, rep.Webhook.P99
		over, err := webhookHTTP(s, "wh", 100+o.Webhooks, o.HTTPWebhooks)
		if err != nil {
			return err
		}
		rep.WebhookHTTP = Summarise(over)
		res.WebhookHTTPP50Ms, res.WebhookHTTPP99Ms = rep.WebhookHTTP.P50, rep.WebhookHTTP.P99
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
		s, err := boot(nil, nil, nil)
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.seed("de", o.Chains, sitePool, 2); err != nil {
			return err
		}
		d, err := dialToEmail(s, "de", 0, o.Chains, nil, nil)
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

	err = phase(fmt.Sprintf("site contention (N=%d, pool %d)", o.N, o.N), func() error {
		c, err := contention("ct", o.N, o.N, 3)
		rep.Contention = c
		res.SiteContentionDistinctCallerIDs, res.SiteContentionDuplicates = c.DistinctCallerIDs, c.DuplicateCallerIDs
		res.SiteContentionAnswerP50Ms, res.SiteContentionAnswerP99Ms = c.Answer.P50, c.Answer.P99
		res.ContentionDials, res.ContentionDuplicateLeases = c.Dials, c.DuplicateLeases
		res.ContentionEmails, res.ContentionRestored = c.Emails, c.Restored
		return err
	})
	if err != nil {
		return rep, err
	}
	err = phase(fmt.Sprintf("site exhaustion (N=%d, pool %d)", o.N, max(1, o.N/10)), func() error {
		c, err := contention("ex", o.N, max(1, o.N/10), 4)
		rep.Exhaustion = c
		res.SiteExhaustionAnswerP50Ms, res.SiteExhaustionAnswerP99Ms = c.Answer.P50, c.Answer.P99
		res.SiteExhaustionOverBudget, res.SiteExhaustionLeases, res.SiteExhaustionECBN = c.OverBudget, c.Leases, c.ECBN
		res.SiteExhaustionWithoutCallerID = c.Agents - c.Leases - c.ECBN
		res.SiteExhaustionNotified, res.SiteExhaustionDuplicateLeases = c.Emails, c.DuplicateLeases
		return err
	})
	if err != nil {
		return rep, err
	}

	err = phase(fmt.Sprintf("EventBridge outage (%d emergencies, %v)", o.OutageEmergencies, o.Outage), func() error {
		x, err := eventBridgeOutage("eo", o.OutageEmergencies, o.Outage)
		rep.Outage = x
		res.EventBridgeOutageEmergencies, res.EventBridgeOutageEmails, res.EventBridgeOutageRestored = x.Emergencies, x.Emails, x.Restored
		res.EventBridgeOutageLost, res.EventBridgeOutageDuplicates = x.Lost, x.Duplicates
		res.EventBridgeOutageRecoveryP99Ms = x.Recovery.P99
		return err
	})
	if err != nil {
		return rep, err
	}

	if *o.Emulated {
		err = phase("emulators", func() error { return emulatedPhase(ctx, o, rep, progress) })
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

// emulatedPhase runs the measurements on DynamoDB Local and
// aws-ses-v2-local, in one table: agents [0, warm-up) warm the emulators
// up, the next Emergencies are counted, the next DialAnswers time the dial
// answer, the next EmulatedChains time dial → email. After each timed
// sample, its floor issues the raw SDK calls the sample made, back to
// back, on copies of what the warm-up wrote: the floor's p50 and p99 are
// those of as many sequences, taken in the same state of the emulators.
// Then the burst, in a table of its own.
func emulatedPhase(ctx context.Context, o Options, rep *Report, progress func(string, ...any)) error {
	res := &rep.Result
	e, err := bootEmulated(ctx)
	if err != nil {
		return err
	}
	defer e.s.Close()
	const prefix = "em"
	counted := emulatorWarmup
	answers := counted + o.Emergencies
	chains := answers + o.DialAnswers
	remote := chains + o.EmulatedChains
	agents := remote + o.DialAnswers
	if err := e.s.seed(prefix, agents, sitePool, 5); err != nil {
		return err
	}
	progress("  seeded the emulated store")
	// The emulators run on a JIT (Java) and V8: warm them up with the
	// calls the measurements make, untimed.
	if _, err := dialToEmail(e.s, prefix, 0, emulatorWarmup, e.store.Forget, nil); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if err := e.readFloorItems(ctx, agentID(prefix, 0), agentID(prefix, agents-1), fmt.Sprintf("%s-c%05d", prefix, 0)); err != nil {
		return err
	}
	warm, err := e.newFloorRun(ctx, 0)
	if err != nil {
		return err
	}
	var once awscount.Snapshot // the cached reads too
	once.Calls = map[string]int{"DynamoDB.GetItem": 1, "DynamoDB.Query": 1}
	once.Labelled = map[string]int{floorSiteRead.counted: 1, floorPoolQuery.counted: 1}
	for i := range emulatorWarmup {
		if err := warm.sequence(i, roundtripFloor, once); err != nil {
			return fmt.Errorf("floor warm-up: %w", err)
		}
	}
	progress("  warmed the emulators up")
	calls, err := e.awsCallsPerEmergency(prefix, counted, o.Emergencies)
	if err != nil {
		return fmt.Errorf("AWS calls: %w", err)
	}
	rep.AWSCalls, res.AWSCallsPerEmergency = &calls, &calls.PerEmergency
	byStep := []**float64{&res.AWSCallsDial, &res.AWSCallsOutboxStart, &res.AWSCallsLeaseAllocation, &res.AWSCallsEmail, &res.AWSCallsEnd, &res.AWSCallsOutboxEnd, &res.AWSCallsRestore}
	for i, st := range calls.PerStep {
		res.AWSCallsByStep = append(res.AWSCallsByStep, StepCount{Step: st.Step, Calls: st.Calls})
		*byStep[i] = &calls.PerStep[i].Calls
	}
	progress("  counted the AWS calls of %d emergency calls", o.Emergencies)

	daFloor, err := e.newFloorRun(ctx, 1)
	if err != nil {
		return err
	}
	da, err := e.dialAnswers(prefix, answers, o.DialAnswers, daFloor)
	if err != nil {
		return fmt.Errorf("dial answer: %w", err)
	}
	rep.DialAnswerEmulated = &da
	res.DialAnswerEmulatedP50Ms, res.DialAnswerEmulatedP99Ms = &da.P50, &da.P99
	progress("  timed the dial answer and its floor")
	ra, err := e.remoteDialAnswers(prefix, remote, o.DialAnswers)
	if err != nil {
		return fmt.Errorf("remote dial answer: %w", err)
	}
	rep.DialAnswerRemoteEmulated = &ra
	res.DialAnswerRemoteEmulatedP50Ms, res.DialAnswerRemoteEmulatedP99Ms = &ra.P50, &ra.P99
	remoteRatio := round3(ra.P99 / da.P99)
	res.DialAnswerRemoteRatio = &remoteRatio
	progress("  timed a remote agent's dial answer")
	rtFloor, err := e.newFloorRun(ctx, 2)
	if err != nil {
		return err
	}
	var made, mark awscount.Snapshot
	var floorErr error
	sample := 0
	d, err := dialToEmail(e.s, prefix, chains, o.EmulatedChains,
		func() { e.store.Forget(); mark = e.counter.Snapshot() },
		func() {
			this := e.counter.Snapshot().Sub(mark)
			made = made.Add(this)
			if floorErr == nil {
				floorErr = rtFloor.sequence(sample, roundtripFloor, this)
			}
			sample++
		})
	if err == nil {
		err = floorErr
	}
	if err != nil {
		return fmt.Errorf("dial → email: %w", err)
	}
	de := newEmulated(d, made)
	rep.DialToEmailEmulated = &de
	res.DialToEmailEmulatedP50Ms, res.DialToEmailEmulatedP99Ms = &de.P50, &de.P99
	progress("  timed dial → email and its floor")
	ratio := func(v, floor float64) *float64 {
		r := round3(v / floor)
		return &r
	}
	fs, parts := daFloor.summary(dialAnswerFloor, da.made)
	rep.DialAnswerFloor, rep.DialAnswerFloorSummary = parts, fs
	res.DialAnswerFloorP50Ms, res.DialAnswerFloorP99Ms = &rep.DialAnswerFloorSummary.P50, &rep.DialAnswerFloorSummary.P99
	res.DialAnswerFloorRatio, res.DialAnswerFloorP50Ratio = ratio(da.P99, fs.P99), ratio(da.P50, fs.P50)
	da.Unfloored = unfloored(dialAnswerFloor, da.made)
	fs, parts = rtFloor.summary(roundtripFloor, de.made)
	rep.Floor, rep.FloorSummary = parts, fs
	res.RoundtripFloorP50Ms, res.RoundtripFloorP99Ms = &rep.FloorSummary.P50, &rep.FloorSummary.P99
	res.DialToEmailFloorRatio = ratio(de.P99, fs.P99)
	de.Unfloored = unfloored(roundtripFloor, de.made)

	b, err := siteBurstEmulated(ctx)
	if err != nil {
		return fmt.Errorf("site burst: %w", err)
	}
	rep.Burst = &b
	res.SiteBurstEmulatedDistinct, res.SiteBurstEmulatedECBN = &b.DistinctCallerIDs, &b.ECBN
	res.SiteBurstEmulatedAnswerP99Ms = &b.Answer.P99
	progress("  fired a burst of %d dials at a site with %d free numbers", b.Agents, b.Pool)
	return nil
}

// JSON is the Result as one JSON object.
func (r *Report) JSON() ([]byte, error) { return json.MarshalIndent(r.Result, "", "  ") }

// Goals, by JSON field (docs/PERFORMANCE.md says why each).
var Goals = map[string]string{
	"webhook_p99_ms":                      "≤ 2 ms",
	"webhook_http_p99_ms":                 "≤ 5 ms",
	"dial_answer_emulated_p50_ms":         "≤ 1.25 × dial_answer_floor_p50_ms",
	"dial_answer_emulated_p99_ms":         "≤ 1.5 × dial_answer_floor_p99_ms",
	"dial_to_email_p99_ms":                "≤ 20 ms",
	"dial_to_email_emulated_p99_ms":       "≤ 2 × roundtrip_floor_p99_ms",
	"aws_calls_per_emergency":             "≤ 10",
	"site_burst_emulated_distinct":        "= 20 (every dial its own number)",
	"site_burst_emulated_ecbn":            "0",
	"site_burst_emulated_answer_p99_ms":   "≤ 1000 ms (state budget)",
	"site_contention_distinct_caller_ids": "= N",
	"site_contention_duplicates":          "0",
	"contention_dials":                    "= N",
	"contention_duplicate_leases":         "0",
	"contention_emails":                   "= N",
	"contention_restored":                 "= N",
	"site_exhaustion_answer_p99_ms":       "≤ 3000 ms (webhook budget)",
	"site_exhaustion_over_budget":         "0",
	"site_exhaustion_without_caller_id":   "0",
	"site_exhaustion_notified":            "= N",
	"site_exhaustion_duplicate_leases":    "0",
	"eventbridge_outage_emails":           "= emergencies",
	"eventbridge_outage_restored":         "= emergencies",
	"eventbridge_outage_lost":             "0",
	"eventbridge_outage_duplicates":       "0",
	"eventbridge_outage_recovery_p99_ms":  "≤ 60000 ms",
	"init_ms":                             fmt.Sprintf("≤ %g ms", InitMsGoal),
	"binary_bytes_max":                    fmt.Sprintf("≤ 10 MiB (%d)", BinaryBytesGoal),
}

// stepKeys are the JSON keys of aws_calls_per_emergency by step, in Steps
// order.
var stepKeys = []string{"aws_calls_per_emergency_dial", "aws_calls_per_emergency_outbox_start", "aws_calls_per_emergency_lease_allocation",
	"aws_calls_per_emergency_email", "aws_calls_per_emergency_end", "aws_calls_per_emergency_outbox_end", "aws_calls_per_emergency_restore"}

// Adapters that each figure ran on.
const (
	adapterEmbedded = "embedded"
	adapterDDB      = "DynamoDB Local"
	adapterDDBRaw   = "DynamoDB Local, raw SDK"
	adapterBoth     = "DynamoDB Local + aws-ses-v2-local"
	adapterBothRaw  = "DynamoDB Local + aws-ses-v2-local, raw SDK"
	adapterCounted  = "DynamoDB Local + aws-ses-v2-local, counted"
	adapterBuild    = "build"
)

// WriteTable prints every field with its goal and adapter, then the details.
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
	fmt.Fprintln(tw, "field\tvalue\tgoal\tmet\tadapter\tsamples / notes")
	row := func(field, value, adapter, note string, met string) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", field, value, Goals[field], met, adapter, note)
	}
	yes := func(ok bool) string {
		if ok {
			return "yes"
		}
		return "NO"
	}
	n := func(s Summary) string { return fmt.Sprintf("n=%d max=%.3f", s.N, s.Max) }
	row("webhook_p50_ms", f(res.WebhookP50Ms), adapterEmbedded, n(r.Webhook)+", in process, each a lease", "")
	row("webhook_p99_ms", f(res.WebhookP99Ms), adapterEmbedded, "", yes(res.WebhookP99Ms <= 2))
	row("webhook_http_p50_ms", f(res.WebhookHTTPP50Ms), adapterEmbedded, n(r.WebhookHTTP)+", loopback HTTP", "")
	row("webhook_http_p99_ms", f(res.WebhookHTTPP99Ms), adapterEmbedded, "", yes(res.WebhookHTTPP99Ms <= 5))
	if a := r.DialAnswerEmulated; a != nil {
		fl := r.DialAnswerFloorSummary
		row("dial_answer_emulated_p50_ms", pf(res.DialAnswerEmulatedP50Ms), adapterDDB,
			fmt.Sprintf("%s; %.1f calls, %.3f ms in them per dial; %.2f × floor p50", n(a.Summary), a.Calls, a.Ms, *res.DialAnswerFloorP50Ratio),
			yes(*res.DialAnswerFloorP50Ratio <= 1.25))
		row("dial_answer_emulated_p99_ms", pf(res.DialAnswerEmulatedP99Ms), adapterDDB,
			fmt.Sprintf("%.2f × floor p99", *res.DialAnswerFloorRatio), yes(*res.DialAnswerFloorRatio <= 1.5))
		row("dial_answer_floor_p50_ms", pf(res.DialAnswerFloorP50Ms), adapterDDBRaw,
			fmt.Sprintf("%s; the calls each dial made, back to back after it, see below", n(fl)), "")
		row("dial_answer_floor_p99_ms", pf(res.DialAnswerFloorP99Ms), adapterDDBRaw, "", "")
		if ra := r.DialAnswerRemoteEmulated; ra != nil {
			row("dial_answer_remote_emulated_p50_ms", pf(res.DialAnswerRemoteEmulatedP50Ms), adapterDDB,
				fmt.Sprintf("%s; %.1f calls, %.3f ms in them per dial; the agent's own number", n(ra.Summary), ra.Calls, ra.Ms), "")
			row("dial_answer_remote_emulated_p99_ms", pf(res.DialAnswerRemoteEmulatedP99Ms), adapterDDB,
				fmt.Sprintf("%.2f × the site dial's p99", *res.DialAnswerRemoteRatio), yes(*res.DialAnswerRemoteRatio <= 1.1))
		}
	} else {
		for _, f := range []string{"dial_answer_emulated_p50_ms", "dial_answer_emulated_p99_ms", "dial_answer_floor_p50_ms", "dial_answer_floor_p99_ms"} {
			row(f, "null", adapterDDB, "no emulators", "")
		}
	}
	row("dial_to_email_p50_ms", f(res.DialToEmailP50Ms), adapterEmbedded, n(r.DialToEmail), "")
	row("dial_to_email_p99_ms", f(res.DialToEmailP99Ms), adapterEmbedded, "", yes(res.DialToEmailP99Ms <= 20))
	if d := r.DialToEmailEmulated; d != nil {
		row("dial_to_email_emulated_p50_ms", pf(res.DialToEmailEmulatedP50Ms), adapterBoth,
			fmt.Sprintf("%s; %.1f calls, %.3f ms in them per chain; %.2f × floor p50", n(d.Summary), d.Calls, d.Ms, d.P50 / *res.RoundtripFloorP50Ms), "")
		row("dial_to_email_emulated_p99_ms", pf(res.DialToEmailEmulatedP99Ms), adapterBoth,
			fmt.Sprintf("%.2f × floor p99", *res.DialToEmailFloorRatio), yes(*res.DialToEmailFloorRatio <= 2))
		row("roundtrip_floor_p50_ms", pf(res.RoundtripFloorP50Ms), adapterBothRaw,
			fmt.Sprintf("%s; the calls each chain made to its email, back to back after it, see below", n(r.FloorSummary)), "")
		row("roundtrip_floor_p99_ms", pf(res.RoundtripFloorP99Ms), adapterBothRaw, "", "")
	} else {
		for _, f := range []string{"dial_to_email_emulated_p50_ms", "dial_to_email_emulated_p99_ms", "roundtrip_floor_p50_ms", "roundtrip_floor_p99_ms"} {
			row(f, "null", adapterBoth, "no emulators", "")
		}
	}
	if res.AWSCallsPerEmergency != nil {
		row("aws_calls_per_emergency", pf(res.AWSCallsPerEmergency), adapterCounted,
			fmt.Sprintf("mean of %d calls; %.1f HTTP requests incl. retries; by step below", r.AWSCalls.Runs, r.AWSCalls.Attempts),
			yes(*res.AWSCallsPerEmergency <= 10))
		for i, v := range []*float64{res.AWSCallsDial, res.AWSCallsOutboxStart, res.AWSCallsLeaseAllocation, res.AWSCallsEmail, res.AWSCallsEnd, res.AWSCallsOutboxEnd, res.AWSCallsRestore} {
			row(stepKeys[i], pf(v), adapterCounted, r.AWSCalls.PerStep[i].Step, "")
		}
	} else {
		row("aws_calls_per_emergency", "null", adapterCounted, "no emulators", "")
	}
	if b := r.Burst; b != nil {
		row("site_burst_emulated_distinct", fmt.Sprint(*res.SiteBurstEmulatedDistinct), adapterDDB,
			fmt.Sprintf("%d dials, %d free numbers: leases=%d ecbn=%d none=%d other=%d; duplicates=%d", b.Agents, b.Pool, b.Leases, b.ECBN, b.NoCallerID, b.OtherCallerID, b.DuplicateCallerIDs),
			yes(b.DistinctCallerIDs == b.Agents && b.Leases == b.Agents))
		row("site_burst_emulated_ecbn", fmt.Sprint(*res.SiteBurstEmulatedECBN), adapterDDB, "", yes(b.ECBN == 0))
		row("site_burst_emulated_answer_p99_ms", pf(res.SiteBurstEmulatedAnswerP99Ms), adapterDDB,
			fmt.Sprintf("%s; over the %s state budget: %d; emails=%d restored=%d", n(b.Answer), settings.StateTimeout, b.OverState, b.Emails, b.Restored),
			yes(b.Answer.P99 <= float64(settings.StateTimeout.Milliseconds())))
	} else {
		row("site_burst_emulated_distinct", "null", adapterDDB, "no emulators", "")
		row("site_burst_emulated_ecbn", "null", adapterDDB, "no emulators", "")
	}
	c := r.Contention
	row("site_contention_distinct_caller_ids", fmt.Sprint(res.SiteContentionDistinctCallerIDs), adapterEmbedded,
		fmt.Sprintf("N=%d, pool %d: leases=%d ecbn=%d none=%d other=%d; without location=%d", c.Agents, c.Pool, c.Leases, c.ECBN, c.NoCallerID, c.OtherCallerID, c.NoLocation),
		yes(c.DistinctCallerIDs == c.Agents))
	row("site_contention_duplicates", fmt.Sprint(res.SiteContentionDuplicates), adapterEmbedded,
		fmt.Sprintf("takeovers=%d", c.Takeovers), yes(c.DuplicateCallerIDs == 0))
	row("site_contention_answer_p50_ms", f(res.SiteContentionAnswerP50Ms), adapterEmbedded, n(c.Answer), "")
	row("site_contention_answer_p99_ms", f(res.SiteContentionAnswerP99Ms), adapterEmbedded,
		fmt.Sprintf("over the %s state budget: %d, over the %s webhook budget: %d", settings.StateTimeout, c.OverState, c.Budget, c.OverBudget), "")
	row("contention_dials", fmt.Sprint(res.ContentionDials), adapterEmbedded, fmt.Sprintf("settled in %s", c.Elapsed.Round(time.Millisecond)), yes(c.Dials == c.Agents))
	row("contention_duplicate_leases", fmt.Sprint(res.ContentionDuplicateLeases), adapterEmbedded, fmt.Sprintf("unleased=%d", c.Unleased), yes(c.DuplicateLeases == 0))
	row("contention_emails", fmt.Sprint(res.ContentionEmails), adapterEmbedded, fmt.Sprintf("calls emailed twice=%d dead letters=%d", c.DuplicateEmails, c.DeadLetters), yes(c.Emails == c.Agents && c.DuplicateEmails == 0))
	row("contention_restored", fmt.Sprint(res.ContentionRestored), adapterEmbedded, "", yes(c.Restored == c.Agents))
	ob := r.Outage
	outageNote := fmt.Sprintf("%d dialled and ended while PutEvents failed for %v (%d refused)", ob.Emergencies, ob.Outage, ob.Refused)
	row("eventbridge_outage_emergencies", fmt.Sprint(res.EventBridgeOutageEmergencies), adapterEmbedded, outageNote, "")
	row("eventbridge_outage_emails", fmt.Sprint(res.EventBridgeOutageEmails), adapterEmbedded, "", yes(ob.Emails == ob.Emergencies))
	row("eventbridge_outage_restored", fmt.Sprint(res.EventBridgeOutageRestored), adapterEmbedded, "", yes(ob.Restored == ob.Emergencies))
	row("eventbridge_outage_lost", fmt.Sprint(res.EventBridgeOutageLost), adapterEmbedded, "", yes(ob.Lost == 0))
	row("eventbridge_outage_duplicates", fmt.Sprint(res.EventBridgeOutageDuplicates), adapterEmbedded, "calls emailed twice", yes(ob.Duplicates == 0))
	row("eventbridge_outage_recovery_p99_ms", f(res.EventBridgeOutageRecoveryP99Ms), adapterEmbedded,
		fmt.Sprintf("after recovery: %s; last email %s", n(ob.Recovery), ob.LastEmail.Round(time.Millisecond)),
		yes(ob.Recovery.N == ob.Emergencies && ob.LastEmail <= recoveryLimit))
	x := r.Exhaustion
	row("site_exhaustion_answer_p50_ms", f(res.SiteExhaustionAnswerP50Ms), adapterEmbedded,
		fmt.Sprintf("N=%d, pool %d: %s; settled in %s", x.Agents, x.Pool, n(x.Answer), x.Elapsed.Round(time.Millisecond)), "")
	row("site_exhaustion_answer_p99_ms", f(res.SiteExhaustionAnswerP99Ms), adapterEmbedded, "", yes(x.Answer.P99 <= float64(x.Budget.Milliseconds())))
	row("site_exhaustion_over_budget", fmt.Sprint(res.SiteExhaustionOverBudget), adapterEmbedded,
		fmt.Sprintf("slower than %s; over the %s state budget: %d", x.Budget, settings.StateTimeout, x.OverState), yes(x.OverBudget == 0))
	row("site_exhaustion_leases", fmt.Sprint(res.SiteExhaustionLeases), adapterEmbedded, fmt.Sprintf("takeovers=%d distinct caller IDs=%d", x.Takeovers, x.DistinctCallerIDs), "")
	row("site_exhaustion_ecbn", fmt.Sprint(res.SiteExhaustionECBN), adapterEmbedded, "the site's ECBN", "")
	row("site_exhaustion_without_caller_id", fmt.Sprint(res.SiteExhaustionWithoutCallerID), adapterEmbedded,
		fmt.Sprintf("none=%d other=%d unanswered=%d; without location=%d", x.NoCallerID, x.OtherCallerID, x.Agents-x.Dials, x.NoLocation),
		yes(res.SiteExhaustionWithoutCallerID == 0))
	row("site_exhaustion_notified", fmt.Sprint(res.SiteExhaustionNotified), adapterEmbedded,
		fmt.Sprintf("calls emailed twice=%d dead letters=%d restored=%d", x.DuplicateEmails, x.DeadLetters, x.Restored), yes(x.Emails == x.Agents && x.DuplicateEmails == 0))
	row("site_exhaustion_duplicate_leases", fmt.Sprint(res.SiteExhaustionDuplicateLeases), adapterEmbedded, "less take-overs", yes(x.DuplicateLeases == 0))
	row("callback_route_p99_ms", f(res.CallbackRouteP99Ms), adapterEmbedded, fmt.Sprintf("%s p50=%.3f", n(r.CallbackRoute), r.CallbackRoute.P50), "")
	if res.BinaryBytesMax != nil {
		row("binary_bytes_max", fmt.Sprint(*res.BinaryBytesMax), adapterBuild, "linux/arm64, Makefile flags", yes(*res.BinaryBytesMax <= BinaryBytesGoal))
		row("init_ms", pf(res.InitMs), adapterBuild, fmt.Sprintf("slowest function, median of %d", o.InitRuns), yes(*res.InitMs <= InitMsGoal))
	} else {
		row("binary_bytes_max", "null", adapterBuild, "skipped", "")
		row("init_ms", "null", adapterBuild, "skipped", "")
	}
	tw.Flush()

	floorParts := func(title string, parts []FloorPart, a *Emulated, per string) {
		if len(parts) == 0 || a == nil {
			return
		}
		fmt.Fprintf(w, "\n%s: after each %s, the calls it made, back to back (× per %s in the floor; made: per %s by the measured ones; each call as timed within the sequences):\n", title, per, per, per)
		for _, p := range parts {
			fmt.Fprintf(w, "  ×%-5g made %-5g p50 %7.3f ms  p99 %7.3f ms  %s\n", p.Times, p.Made, p.P50, p.P99, p.Call)
		}
		fmt.Fprintf(w, "what the %ss called (mean %.1f per %s, %.3f ms in them, p50 %.3f ms; totals over %d, mean ms per call):\n  %s\n",
			per, a.Calls, per, a.Ms, a.P50, a.N, a.Detail)
		if len(a.Unfloored) > 0 {
			fmt.Fprintf(w, "  NOT IN THE FLOOR: %s\n", strings.Join(a.Unfloored, ", "))
		}
	}
	floorParts("dial answer floor (DynamoDB Local)", r.DialAnswerFloor, r.DialAnswerEmulated, "dial")
	floorParts("round-trip floor (DynamoDB Local + aws-ses-v2-local)", r.Floor, r.DialToEmailEmulated, "chain")
	if r.AWSCalls != nil {
		fmt.Fprintf(w, "\nAWS calls per emergency call, by step (mean of %d; median ms of the step run alone; totals by call, mean ms per call):\n", r.AWSCalls.Runs)
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
