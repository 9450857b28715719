package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/awscount"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/emailtemplate"
	"github.com/mayday/mayday/shared/local"
	"github.com/mayday/mayday/shared/mayday"
)

// sender is the SES sender address used on the emulator.
const sender = "mayday@example.com"

// emulated is a local runner on DynamoDB Local and aws-ses-v2-local, its
// DynamoDB and SES clients counted.
type emulated struct {
	s       *system
	counter *awscount.Counter
	plain   awsclients.Clients // the same endpoints, not counted
	table   string
	store   *dynamostore.Store
	floor   *floorItems // the floors' templates (readFloorItems)
}

// bootEmulated creates a fresh table and pushes the template, then starts
// the runner over them.
func bootEmulated(ctx context.Context) (*emulated, error) {
	plain, err := awsclients.New(ctx)
	if err != nil {
		return nil, err
	}
	counter := awscount.New()
	counter.Label = itemKind
	counted := plain
	counted.DynamoDB = dynamodb.New(plain.DynamoDB.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(o.APIOptions, awscount.Middleware(counter))
	})
	counted.SES = sesv2.New(plain.SES.Options(), func(o *sesv2.Options) {
		o.APIOptions = append(o.APIOptions, awscount.Middleware(counter))
	})
	table := fmt.Sprintf("mayday-bench-%d", time.Now().UnixNano())
	store, err := awsclients.EnsureStore(ctx, counted, table)
	if err != nil {
		return nil, err
	}
	mailer, _, err := awsclients.EnsureMailer(ctx, counted, sender, true) // the default template: figures comparable across runs
	if err != nil {
		return nil, err
	}
	stream, err := local.NewStreamRelay(ctx, plain.DynamoDB, table)
	if err != nil {
		return nil, err
	}
	s, err := boot(store, mailer, stream)
	if err != nil {
		return nil, err
	}
	s.pub.counter = counter
	return &emulated{s: s, counter: counter, plain: plain, table: table, store: store}, nil
}

// itemKind labels a DynamoDB call with the kind of item it touches (the
// partition key's prefix: AGENT, CALL, NUMBER, NOTIFY) or the index queried.
func itemKind(_, _ string, input any) string {
	kind := func(m map[string]ddbtypes.AttributeValue) string {
		if s, ok := m[dynamostore.AttrPK].(*ddbtypes.AttributeValueMemberS); ok {
			k, _, _ := strings.Cut(s.Value, "#")
			return k
		}
		return ""
	}
	switch in := input.(type) {
	case *dynamodb.GetItemInput:
		return kind(in.Key)
	case *dynamodb.PutItemInput:
		return kind(in.Item)
	case *dynamodb.UpdateItemInput:
		return kind(in.Key)
	case *dynamodb.DeleteItemInput:
		return kind(in.Key)
	case *dynamodb.QueryInput:
		if in.IndexName != nil {
			return "index " + *in.IndexName
		}
		return "table"
	case *dynamodb.TransactWriteItemsInput:
		var kinds []string
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				kinds = append(kinds, "Put "+kind(it.Put.Item))
			case it.Update != nil:
				kinds = append(kinds, "Update "+kind(it.Update.Key))
			case it.ConditionCheck != nil:
				kinds = append(kinds, "Check "+kind(it.ConditionCheck.Key))
			case it.Delete != nil:
				kinds = append(kinds, "Delete "+kind(it.Delete.Key))
			}
		}
		return "[" + strings.Join(kinds, ", ") + "]"
	case *dynamodb.BatchGetItemInput, *dynamodb.BatchWriteItemInput:
		return "batch"
	}
	return ""
}

// Steps of one emergency call, in the order the chain runs them.
// The outbox publisher puts the events the webhooks' writes recorded on the
// bus: its PutEvents are its own step, not the webhook's.
var Steps = []string{"dial webhook", "outbox publisher (start)", "lease allocation", "email notification", "end webhook",
	"outbox publisher (end)", "presence restore"}

// AWSCalls is what one emergency call costs in AWS requests.
type AWSCalls struct {
	PerEmergency float64        // mean calls per emergency call, PutEvents included
	Runs         int            // emergency calls counted
	Attempts     float64        // mean HTTP requests (retries included), PutEvents as calls
	PerStep      []StepCalls    // in Steps order, means
	ByOperation  map[string]int // totals over Runs
}

// StepCalls is one step's mean calls and where they went.
type StepCalls struct {
	Step  string
	Calls float64
	Ms    float64 // median time of the step (gated: each step alone)
	// Detail: "<Service>.<Operation> <item kind>=n (mean ms)" (totals over
	// the runs; the mean time of one such call).
	Detail string
}

// StepCount is one step's mean AWS calls, as the JSON reports them.
type StepCount struct {
	Step  string  `json:"step"`
	Calls float64 `json:"calls"`
}

// awsCallsPerEmergency runs emergency calls one at a time, advancing the
// chain one step at a time (the publisher holds each step's events until
// the counts of the step are read) and counts every AWS call of each step.
func (e *emulated) awsCallsPerEmergency(prefix string, first, runs int) (AWSCalls, error) {
	s := e.s
	out := AWSCalls{Runs: runs, ByOperation: map[string]int{}}
	perStep := make([]awscount.Snapshot, len(Steps))
	stepTimes := make([]Samples, len(Steps))
	total := 0
	attempts := 0
	s.pub.gate(true)
	defer s.pub.gate(false)
	for r := range runs {
		if err := s.nextDial(); err != nil {
			return out, err
		}
		agent := agentID(prefix, first+r)
		callID := fmt.Sprintf("%s-count%03d", prefix, r)
		begin := e.counter.Snapshot()
		last, lastAt := begin, time.Now()
		// Each step runs in its own function in AWS, with its own memory:
		// no step starts from what another step's store remembered.
		e.store.Forget()
		mark := func(step int) {
			e.store.Forget()
			now := e.counter.Snapshot()
			perStep[step] = perStep[step].Add(now.Sub(last))
			stepTimes[step] = append(stepTimes[step], time.Since(lastAt))
			last, lastAt = now, time.Now()
		}
		// markRecorded marks a webhook's step once the outbox publisher has
		// published what it recorded (held by the gate): the PutEvents are
		// the publisher's step.
		markRecorded := func(step int, what string, answered time.Time) error {
			if err := s.pub.waitHeld(1, 10*time.Second); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			e.store.Forget()
			now := e.counter.Snapshot()
			webhook, publisher := splitPutEvents(now.Sub(last))
			perStep[step] = perStep[step].Add(webhook)
			perStep[step+1] = perStep[step+1].Add(publisher)
			stepTimes[step] = append(stepTimes[step], answered.Sub(lastAt))
			stepTimes[step+1] = append(stepTimes[step+1], time.Since(answered))
			last, lastAt = now, time.Now()
			return nil
		}
		advance := func(what string) error {
			if _, err := s.pub.release(); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			s.m.Bus.Wait() // the step records nothing: no outbox to wait for
			return nil
		}
		emailsBefore, _ := s.mailer.counts()
		code, resp, err := s.post("/v1/telephony/events", dialBody(callID, agent), true)
		if err != nil {
			return out, fmt.Errorf("dial: %w", err)
		}
		answered := time.Now()
		if err := s.leaseAnswer(code, resp); err != nil {
			return out, err
		}
		if err := markRecorded(0, "dial", answered); err != nil {
			return out, err
		}
		if err := advance("lease allocation"); err != nil {
			return out, err
		}
		mark(2)
		if err := advance("email notification"); err != nil {
			return out, err
		}
		mark(3)
		if n, _ := s.mailer.counts(); n != emailsBefore+1 {
			return out, fmt.Errorf("call %s: %d emails, want 1 (dead letters: %d)", callID, n-emailsBefore, len(s.m.Bus.DeadLetters()))
		}
		if code, resp, err := s.post("/v1/telephony/events", endBody(callID), true); err != nil || code != http.StatusOK {
			return out, fmt.Errorf("end: %d %s %v", code, resp, err)
		}
		if err := markRecorded(4, "end", time.Now()); err != nil {
			return out, err
		}
		if err := advance("presence restore"); err != nil {
			return out, err
		}
		if err := advance("after restore"); err != nil { // anything the restore published
			return out, err
		}
		mark(6)
		d := e.counter.Snapshot().Sub(begin)
		total += d.Total()
		attempts += d.TotalAttempts()
		for k, v := range d.Calls {
			out.ByOperation[k] += v
		}
		a, err := s.m.UseCases.AdminAPI.GetAgent(context.Background(), agent)
		if err != nil || string(a.Presence) != initialPresence {
			return out, fmt.Errorf("agent %s not restored: %v %v", agent, a.Presence, err)
		}
		e.counter.Reset() // the check above is not the chain's
	}
	out.PerEmergency = round3(float64(total) / float64(runs))
	out.Attempts = round3(float64(attempts) / float64(runs))
	for i, st := range perStep {
		out.PerStep = append(out.PerStep, StepCalls{Step: Steps[i], Calls: round3(float64(st.Total()) / float64(runs)),
			Ms: Ms(Median(stepTimes[i])), Detail: detail(st)})
	}
	return out, nil
}

// kinds splits a snapshot's calls by item kind where known: the count and
// the time of each "<Service>.<Operation>[ <kind>]".
func kinds(s awscount.Snapshot) (map[string]int, map[string]time.Duration) {
	counts := map[string]int{}
	took := map[string]time.Duration{}
	for op, n := range s.Calls {
		labelled, labelledTime := 0, time.Duration(0)
		for k, v := range s.Labelled {
			if strings.HasPrefix(k, op+" ") {
				counts[k] += v
				took[k] += s.LabelledTime[k]
				labelled += v
				labelledTime += s.LabelledTime[k]
			}
		}
		if n-labelled > 0 {
			counts[op] += n - labelled
			took[op] += s.Time[op] - labelledTime
		}
	}
	return counts, took
}

// detail lists a snapshot's calls, labelled by item kind where known, with
// the mean time of one call.
func detail(s awscount.Snapshot) string {
	counts, took := kinds(s)
	keys := slices.Sorted(maps.Keys(counts))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		part := k + "=" + strconv.Itoa(counts[k])
		if took[k] > 0 {
			part += fmt.Sprintf(" (%.2f ms)", Ms(took[k])/float64(counts[k]))
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, ", ")
}

// Emulated is a latency measured on the emulators and the AWS calls its
// samples made.
type Emulated struct {
	Summary
	// Calls is the mean AWS calls per sample: the DynamoDB and SES calls
	// made, and the PutEvents EventBridge would receive (counted, not made:
	// the local bus is in process).
	Calls  float64
	Ms     float64 // mean time per sample spent in the DynamoDB and SES calls
	Detail string  // by operation and item kind, totals, mean ms per call
	// Unfloored lists the calls the samples made (PutEvents aside) of a
	// kind their floor does not count, totals; empty when the floor is
	// made of the calls the samples made.
	Unfloored []string
	made      awscount.Snapshot
}

func newEmulated(d Samples, made awscount.Snapshot) Emulated {
	n := float64(len(d))
	return Emulated{Summary: Summarise(d), Calls: round3(float64(made.Total()) / n),
		Ms: round3(Ms(made.TotalTime()) / n), Detail: detail(made), made: made}
}

// dialAnswers times the dial webhook through the in-process handler on the
// emulated store, as webhookInProcess does: fresh agents, each answer a
// callback lease. Before each dial the store forgets what it remembered
// (as a Lambda that has not seen this agent), and what the dial publishes
// is held until its answer and AWS calls are taken, so that the chain
// behind it neither adds calls to it nor competes with it. After each,
// floor issues the raw calls the dial made, back to back.
func (e *emulated) dialAnswers(prefix string, from, n int, floor *floorRun) (Emulated, error) {
	return e.timedDials(prefix, "d", from, n, func(int, string) (func(int, []byte) error, error) {
		return e.s.leaseAnswer, e.s.nextDial()
	}, func(i int, made awscount.Snapshot) error { return floor.sequence(i, dialAnswerFloor, made) })
}

// remoteDialAnswers times, as dialAnswers does, the dial of agents who
// work from home with their own number registered there (confirmed
// untimed first): the answer reads the agent and the call and writes them,
// with no site read, no pool read and no number write.
func (e *emulated) remoteDialAnswers(prefix string, from, n int) (Emulated, error) {
	return e.timedDials(prefix, "r", from, n, func(i int, agent string) (func(int, []byte) error, error) {
		own := number(remoteSeries, i)
		check := func(code int, resp []byte) error { return e.s.ownNumberAnswer(code, resp, own) }
		return check, e.s.confirmHome(agent, own)
	}, nil)
}

// timedDials times n dials of agents from on (calls <prefix>-<kind>NNNNN);
// prepare runs untimed before each and gives the check of its answer;
// after, if set, runs untimed after each with the AWS calls it made.
func (e *emulated) timedDials(prefix, kind string, from, n int,
	prepare func(i int, agent string) (check func(int, []byte) error, err error),
	after func(i int, made awscount.Snapshot) error) (Emulated, error) {
	s := e.s
	out := make(Samples, 0, n)
	var calls awscount.Snapshot
	s.pub.gate(true)
	defer s.pub.gate(false)
	for i := range n {
		agent := agentID(prefix, from+i)
		check, err := prepare(i, agent)
		if err != nil {
			return Emulated{}, err
		}
		body := dialBody(fmt.Sprintf("%s-%s%05d", prefix, kind, from+i), agent)
		e.store.Forget()
		before := e.counter.Snapshot()
		start := time.Now()
		code, resp := s.serve(http.MethodPost, "/v1/telephony/events", body, true)
		d := time.Since(start)
		made := e.counter.Snapshot().Sub(before)
		calls = calls.Add(made)
		if err := check(code, resp); err != nil {
			return Emulated{}, err
		}
		out = append(out, d)
		if _, err := s.pub.release(); err != nil {
			return Emulated{}, err
		}
		s.m.Settle()
		if after != nil {
			if err := after(i, made); err != nil {
				return Emulated{}, err
			}
		}
	}
	return newEmulated(out, calls), nil
}

// FloorPart is one AWS call of a round-trip floor.
type FloorPart struct {
	Call string
	// Times is how many of this call the floor issued per sample: one, or
	// for a cached read (the site's, which a warm function makes once in
	// 30 s; the pool's, once a second), as many as the measured samples
	// made.
	Times float64
	Made  float64 // calls of this kind the measured samples made, per sample
	// The raw call as timed within the sequences, ms.
	P50, P99 float64
}

// floorCall is one raw SDK call of the floors, and the awscount kind
// (operation and item kind, see itemKind) of the service's call it stands
// for.
type floorCall struct{ name, counted string }

// The raw SDK calls the floors are made of (floorRun.sequence).
var (
	floorSetupRead = floorCall{"DynamoDB.BatchGetItem agent + call (2 keys, consistent; the call not there yet)",
		"DynamoDB.BatchGetItem batch"}
	floorSiteRead  = floorCall{"DynamoDB.GetItem site (consistent)", "DynamoDB.GetItem SITE"}
	floorPoolQuery = floorCall{"DynamoDB.Query gsi3 (the site's country pool, 100 numbers, as the dial reads it)",
		"DynamoDB.Query index gsi3"}
	floorSetupWrite = floorCall{"DynamoDB.TransactWriteItems [Put call (new), Put agent, Put number, Put outbox] (each conditional but the outbox)",
		"DynamoDB.TransactWriteItems [Put CALL, Put AGENT, Put NUMBER, Put OUTBOX]"}
	floorAgentRead   = floorCall{"DynamoDB.GetItem agent (consistent; the email's contacts)", "DynamoDB.GetItem AGENT"}
	floorNotifyClaim = floorCall{"DynamoDB.PutItem notification claim (conditional: new)", "DynamoDB.PutItem NOTIFY"}
	floorSendEmail   = floorCall{"SESv2.SendEmail (stored template, the chain's recipients and data)", "SESv2.SendEmail"}
	floorAlertPut    = floorCall{"DynamoDB.PutItem alert (the desk's, kept for its acknowledgement)", "DynamoDB.PutItem ALERT"}
)

// floorTerm is one call of a floor. A cached call is issued as often in a
// sequence as its measured sample made it; any other once.
type floorTerm struct {
	call   floorCall
	cached bool
}

// dialAnswerFloor is the calls the dial answer makes (setUp in
// shared/mayday/dial_detection.go, on dynamostore): one BatchGetItem of
// the agent and the call, the site's GetItem when the function's copy is
// older than 30 s, one Query of the pool when its view is older than a
// second (pool_view.go), one TransactWriteItems of the call, the agent and
// the number.
var dialAnswerFloor = []floorTerm{{call: floorSetupRead}, {call: floorSiteRead, cached: true},
	{call: floorPoolQuery, cached: true}, {call: floorSetupWrite}}

// roundtripFloor is the calls the dial → email path makes before the email
// is accepted: the dial's, then the email's agent read (contacts), its
// notification claim, the desk alert it keeps for acknowledgement, and
// SendEmail (its site read is the cached term).
// Lease allocation makes no store call; the notification's "sent" write
// follows the acceptance.
var roundtripFloor = append(slices.Clone(dialAnswerFloor),
	floorTerm{call: floorAgentRead}, floorTerm{call: floorNotifyClaim}, floorTerm{call: floorAlertPut}, floorTerm{call: floorSendEmail})

// floorRun is one floor's samples: for each measured sample, the raw SDK
// calls it made, issued back to back on copies of the floor items (one
// sequence per sample), so that the floor's p50 and p99 compare to the
// measurement's, taken in the same run.
type floorRun struct {
	prepare func(i int) error            // untimed, before sample i: the items as the service found them
	do      map[string]func(i int) error // by floorCall name
	seq     Samples                      // one per sequence
	calls   map[string]Samples           // each raw call, as timed within the sequences
}

// sequence issues terms' calls for sample i, each once, a cached one as
// many times as made (the measured sample's calls) has of its kind, and
// times the whole.
func (f *floorRun) sequence(i int, terms []floorTerm, made awscount.Snapshot) error {
	if err := f.prepare(i); err != nil {
		return err
	}
	counts, _ := kinds(made)
	begin := time.Now()
	for _, t := range terms {
		times := 1
		if t.cached {
			times = counts[t.call.counted]
		}
		for range times {
			start := time.Now()
			if err := f.do[t.call.name](i); err != nil {
				return fmt.Errorf("floor %s: %w", t.call.name, err)
			}
			f.calls[t.call.name] = append(f.calls[t.call.name], time.Since(start))
		}
	}
	f.seq = append(f.seq, time.Since(begin))
	return nil
}

// summary is the floor: its sequences' times, and each call's; made is
// what the measured samples called.
func (f *floorRun) summary(terms []floorTerm, made awscount.Snapshot) (Summary, []FloorPart) {
	counts, _ := kinds(made)
	n := float64(len(f.seq))
	parts := make([]FloorPart, 0, len(terms))
	for _, t := range terms {
		c := Summarise(f.calls[t.call.name])
		parts = append(parts, FloorPart{Call: t.call.name, Times: round3(float64(c.N) / n),
			Made: round3(float64(counts[t.call.counted]) / n), P50: c.P50, P99: c.P99})
	}
	return Summarise(f.seq), parts
}

// unfloored lists the kinds of calls in made (PutEvents aside: the local
// bus makes none) that terms do not count, with their totals.
func unfloored(terms []floorTerm, made awscount.Snapshot) []string {
	counts, _ := kinds(made)
	in := map[string]bool{}
	for _, t := range terms {
		in[t.call.counted] = true
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		if !in[k] && !strings.HasPrefix(k, "EventBridge.") {
			out = append(out, fmt.Sprintf("%s=%d", k, counts[k]))
		}
	}
	return out
}

type item = map[string]ddbtypes.AttributeValue

// floorItems are what the floors' raw calls read and write: copies of the
// items the service wrote in the warm-up, so that each raw call moves the
// bytes the service's call moves.
type floorItems struct {
	agentBefore   item // an agent not dialed yet, as the dial reads it
	agentAfter    item // an agent as its dial wrote it (Do Not Disturb, the emergency, the number)
	call          item // a call as its dial wrote it
	numberFree    item // a pool number never leased
	numberLeased  item // the number the dial leased, as it wrote it
	notifyClaimed item // the notification as its claim wrote it
	siteKey       item // the bench site
	email         mayday.Email
}

// outboxItem is an outbox item of the size the dial records: "Emergency
// Call Started" with a site's address.
func outboxItem(round, i int) item {
	id := fmt.Sprintf("f%d-c%05d/Emergency Call Started", round, i)
	it := keyOf(dynamostore.OutboxPrefix+id, dynamostore.OutboxSortKey)
	it["eventId"], it["detailType"], it["region"] = strAttr(id), strAttr("Emergency Call Started"), strAttr("us-east-1")
	it["detail"] = strAttr(`{"callId":"` + id + `","agentId":"a-00001","dialedNumber":"911","emergencyNumber":"911","country":"US",` +
		`"startedAt":"2026-12-06T14:00:00Z","receivedAt":"2026-12-06T14:00:00Z","presenceApplied":true,"siteId":"site-1",` +
		`"locationKind":"site","locationSource":"home","address":{"houseNumber":"1","street":"Main St","city":"Seattle",` +
		`"region":"WA","postalCode":"98101","country":"US"},"locationValidated":true,"callerId":"+14255550001",` +
		`"callerIdSource":"lease","leaseExpiresAt":"2026-12-06T15:00:00Z"}`)
	it["createdAt"], it["expiresAt"] = strAttr("2026-12-06T14:00:00Z"), strAttr("2026-12-08T14:00:00Z")
	it[dynamostore.AttrTTL] = numAttr(time.Now().Add(48 * time.Hour).Unix())
	return it
}

func strAttr(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }

func numAttr(v int64) ddbtypes.AttributeValue {
	return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func keyOf(pk, sk string) item {
	return item{dynamostore.AttrPK: strAttr(pk), dynamostore.AttrSK: strAttr(sk)}
}

// versionOf is an item's version attribute.
func versionOf(it item) (int64, error) {
	n, ok := it["version"].(*ddbtypes.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("item %v has no version", it[dynamostore.AttrPK])
	}
	return strconv.ParseInt(n.Value, 10, 64)
}

// copyAs is a copy of tmpl under key k, at version v (if v > 0), its index
// partitions made private to the floor: the same length, a first character
// ('~') no partition of the service's starts with, so that no query of the
// service finds the copies, and each write maintains the same indexes.
func copyAs(tmpl, k item, v int64) item {
	c := maps.Clone(tmpl)
	maps.Copy(c, k)
	for _, a := range []string{dynamostore.AttrGSI1PK, dynamostore.AttrGSI2PK, dynamostore.AttrGSI3PK} {
		if s, ok := c[a].(*ddbtypes.AttributeValueMemberS); ok && s.Value != "" {
			c[a] = strAttr("~" + s.Value[1:])
		}
	}
	if v > 0 {
		c["version"] = numAttr(v)
	}
	return c
}

// readFloorItems reads, untimed, the templates of floorSamples: the agent
// dialed first in the warm-up (agent dialed, call callID), what its dial
// and its email wrote, an agent not dialed yet (fresh) and a pool number
// never leased.
func (e *emulated) readFloorItems(ctx context.Context, dialed, fresh, callID string) error {
	ddb, table := e.plain.DynamoDB, e.table
	get := func(k item) (item, error) {
		out, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: k, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("floor items: %w", err)
		}
		if len(out.Item) == 0 {
			return nil, fmt.Errorf("floor items: no item %v", k[dynamostore.AttrPK])
		}
		return out.Item, nil
	}
	var f floorItems
	var err error
	if f.agentBefore, err = get(keyOf("AGENT#"+fresh, "AGENT")); err != nil {
		return err
	}
	if f.agentAfter, err = get(keyOf("AGENT#"+dialed, "AGENT")); err != nil {
		return err
	}
	if f.call, err = get(keyOf("CALL#"+callID, "CALL")); err != nil {
		return err
	}
	num, ok := f.agentAfter["callbackNumber"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		return fmt.Errorf("floor items: agent %s holds no number", dialed)
	}
	if f.numberLeased, err = get(keyOf("NUMBER#"+num.Value, "NUMBER")); err != nil {
		return err
	}
	if _, ok := f.numberLeased["lease"]; !ok {
		return fmt.Errorf("floor items: number %s not leased", num.Value)
	}
	sent, err := get(keyOf("NOTIFY#"+callID, "NOTIFY"))
	if err != nil {
		return err
	}
	// The claim wrote it as a new item: sending, not sent yet, version 1.
	f.notifyClaimed = maps.Clone(sent)
	f.notifyClaimed["status"], f.notifyClaimed["sentAt"] = strAttr(mayday.NotificationSending), strAttr(time.Time{}.Format(time.RFC3339Nano))
	f.notifyClaimed["version"] = numAttr(1)
	pages := dynamodb.NewQueryPaginator(ddb, &dynamodb.QueryInput{TableName: &table, IndexName: aws.String(dynamostore.IndexPool),
		KeyConditionExpression:    aws.String("#0 = :0"),
		ExpressionAttributeNames:  map[string]string{"#0": dynamostore.AttrGSI3PK},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":0": strAttr("POOL#US")}})
	for pages.HasMorePages() && f.numberFree == nil {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("floor items: %w", err)
		}
		for _, it := range page.Items {
			if _, leased := it["lease"]; !leased {
				f.numberFree = it
				break
			}
		}
	}
	if f.numberFree == nil {
		return fmt.Errorf("floor items: no free number in the pool")
	}
	f.siteKey = keyOf("SITE#"+e.s.site.ID, "SITE")
	var sentOK bool
	if f.email, sentOK = e.s.mailer.lastEmail(); !sentOK {
		return fmt.Errorf("floor items: no email sent yet")
	}
	e.floor = &f
	return nil
}

// newFloorRun makes the raw SDK calls of the floors, on copies of the
// floor items of their own (round tells the runs apart: their keys have
// the length of the service's); the pool query and the site read read the
// bench site's pool and site themselves.
func (e *emulated) newFloorRun(ctx context.Context, round int) (*floorRun, error) {
	ddb, ses, table, f := e.plain.DynamoDB, e.plain.SES, e.table, e.floor
	if f == nil {
		return nil, fmt.Errorf("floor: no floor items")
	}
	agentKey := func(i int) item { return keyOf(fmt.Sprintf("AGENT#f%d-a%05d", round, i), "AGENT") }
	callKey := func(i int) item { return keyOf(fmt.Sprintf("CALL#f%d-c%05d", round, i), "CALL") }
	numberKey := func(i int) item { return keyOf(fmt.Sprintf("NUMBER#+129%d%07d", round, i), "NUMBER") }
	notifyKey := func(i int) item { return keyOf(fmt.Sprintf("NOTIFY#f%d-c%05d", round, i), "NOTIFY") }
	agentV, err := versionOf(f.agentBefore)
	if err != nil {
		return nil, err
	}
	numberV, err := versionOf(f.numberFree)
	if err != nil {
		return nil, err
	}
	prepare := func(i int) error { // the agent and the number as the dial finds them
		for _, it := range []item{copyAs(f.agentBefore, agentKey(i), 0), copyAs(f.numberFree, numberKey(i), 0)} {
			if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: it}); err != nil {
				return fmt.Errorf("floor setup: %w", err)
			}
		}
		return nil
	}
	data, err := json.Marshal(emailtemplate.TemplateData(f.email.Data))
	if err != nil {
		return nil, err
	}
	isNew := func(tmpl, k item) *ddbtypes.Put {
		return &ddbtypes.Put{TableName: &table, Item: copyAs(tmpl, k, 0),
			ConditionExpression:                 aws.String("attribute_not_exists (#0)"),
			ExpressionAttributeNames:            map[string]string{"#0": dynamostore.AttrPK},
			ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld}
	}
	isVersion := func(tmpl, k item, v int64) *ddbtypes.Put {
		return &ddbtypes.Put{TableName: &table, Item: copyAs(tmpl, k, v+1),
			ConditionExpression:                 aws.String("#0 = :0"),
			ExpressionAttributeNames:            map[string]string{"#0": "version"},
			ExpressionAttributeValues:           map[string]ddbtypes.AttributeValue{":0": numAttr(v)},
			ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld}
	}
	calls := []struct {
		call floorCall
		do   func(i int) error
	}{
		{floorSetupRead, func(i int) error {
			out, err := ddb.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]ddbtypes.KeysAndAttributes{
				table: {Keys: []item{agentKey(i), callKey(i)}, ConsistentRead: aws.Bool(true)}}})
			switch {
			case err != nil:
				return err
			case len(out.UnprocessedKeys) > 0 || len(out.Responses[table]) != 1:
				return fmt.Errorf("read %d items, %d keys unprocessed", len(out.Responses[table]), len(out.UnprocessedKeys[table].Keys))
			}
			return nil
		}},
		{floorSiteRead, func(i int) error {
			_, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: f.siteKey, ConsistentRead: aws.Bool(true)})
			return err
		}},
		{floorPoolQuery, func(i int) error {
			pages := dynamodb.NewQueryPaginator(ddb, &dynamodb.QueryInput{TableName: &table, IndexName: aws.String(dynamostore.IndexPool),
				KeyConditionExpression:    aws.String("#0 = :0"),
				ExpressionAttributeNames:  map[string]string{"#0": dynamostore.AttrGSI3PK},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":0": strAttr("POOL#US")}})
			for pages.HasMorePages() {
				if _, err := pages.NextPage(ctx); err != nil {
					return err
				}
			}
			return nil
		}},
		{floorSetupWrite, func(i int) error {
			_, err := ddb.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
				{Put: isNew(f.call, callKey(i))},
				{Put: isVersion(f.agentAfter, agentKey(i), agentV)},
				{Put: isVersion(f.numberLeased, numberKey(i), numberV)},
				{Put: &ddbtypes.Put{TableName: &table, Item: outboxItem(round, i)}},
			}})
			return err
		}},
		{floorAgentRead, func(i int) error {
			_, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: agentKey(i), ConsistentRead: aws.Bool(true)})
			return err
		}},
		{floorNotifyClaim, func(i int) error {
			p := isNew(f.notifyClaimed, notifyKey(i))
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: p.Item,
				ConditionExpression: p.ConditionExpression, ExpressionAttributeNames: p.ExpressionAttributeNames,
				ReturnValuesOnConditionCheckFailure: ddbtypes.ReturnValuesOnConditionCheckFailureAllOld})
			return err
		}},
		{floorAlertPut, func(i int) error {
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table,
				Item: keyOf(fmt.Sprintf("ALERT#f%d-c%05d", round, i), "ALERT")})
			return err
		}},
		{floorSendEmail, func(i int) error {
			_, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(sender),
				Destination: &sestypes.Destination{ToAddresses: slices.Clone(f.email.To)},
				Content: &sestypes.EmailContent{Template: &sestypes.Template{TemplateName: aws.String(f.email.Template),
					TemplateData: aws.String(string(data))}}})
			return err
		}},
	}
	run := &floorRun{prepare: prepare, do: map[string]func(int) error{}, calls: map[string]Samples{}}
	for _, c := range calls {
		run.do[c.call.name] = c.do
	}
	return run, nil
}

// A fire alarm's burst at one site: this many agents dial at once, the
// site's pool having burstPool free numbers.
const (
	burstDials = 20
	burstPool  = 25
)

// siteBurstEmulated is burst on DynamoDB Local and aws-ses-v2-local, in a
// table of its own: burstDials concurrent dials, one site, burstPool free
// numbers.
func siteBurstEmulated(ctx context.Context) (Contention, error) {
	e, err := bootEmulated(ctx)
	if err != nil {
		return Contention{Agents: burstDials, Pool: burstPool}, err
	}
	defer e.s.Close()
	return burst(e.s, "bu", burstDials, burstPool, 7)
}

// splitPutEvents splits a webhook step's calls: its own, and the outbox
// publisher's PutEvents.
func splitPutEvents(d awscount.Snapshot) (webhook, publisher awscount.Snapshot) {
	key := awscount.Key("EventBridge", "PutEvents")
	publisher = awscount.Snapshot{Calls: map[string]int{key: d.Calls[key]}, Attempts: map[string]int{key: d.Attempts[key]}}
	webhook = d.Sub(publisher)
	return webhook, publisher
}
