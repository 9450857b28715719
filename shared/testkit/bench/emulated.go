package bench

import (
	"context"
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
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/awscount"
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
	mailer, err := awsclients.EnsureMailer(ctx, counted, sender)
	if err != nil {
		return nil, err
	}
	s, err := boot(store, mailer)
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
var Steps = []string{"dial webhook", "lease allocation", "email notification", "end webhook", "presence restore"}

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
		advance := func(what string) error {
			if _, err := s.pub.release(); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			s.m.Bus.Wait()
			return nil
		}
		emailsBefore, _ := s.mailer.counts()
		code, resp, err := s.post("/v1/telephony/events", dialBody(callID, agent), true)
		if err != nil {
			return out, fmt.Errorf("dial: %w", err)
		}
		if err := s.leaseAnswer(code, resp); err != nil {
			return out, err
		}
		mark(0)
		if err := advance("lease allocation"); err != nil {
			return out, err
		}
		mark(1)
		if err := advance("email notification"); err != nil {
			return out, err
		}
		mark(2)
		if n, _ := s.mailer.counts(); n != emailsBefore+1 {
			return out, fmt.Errorf("call %s: %d emails, want 1 (dead letters: %d)", callID, n-emailsBefore, len(s.m.Bus.DeadLetters()))
		}
		if code, resp, err := s.post("/v1/telephony/events", endBody(callID), true); err != nil || code != http.StatusOK {
			return out, fmt.Errorf("end: %d %s %v", code, resp, err)
		}
		mark(3)
		if err := advance("presence restore"); err != nil {
			return out, err
		}
		if err := advance("after restore"); err != nil { // anything the restore published
			return out, err
		}
		mark(4)
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

// detail lists a snapshot's calls, labelled by item kind where known, with
// the mean time of one call.
func detail(s awscount.Snapshot) string {
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

// DialAnswer is the emulated dial answer and the AWS calls it made.
type DialAnswer struct {
	Summary
	// Calls is the mean AWS calls per dial: the DynamoDB calls made, and the
	// PutEvents EventBridge would receive (counted, not made: the local bus
	// is in process).
	Calls  float64
	Ms     float64 // mean time per dial spent in the DynamoDB calls
	Detail string  // by operation and item kind, totals, mean ms per call
}

// dialAnswers times the dial webhook through the in-process handler on the
// emulated store, as webhookInProcess does: fresh agents, each answer a
// callback lease. Before each dial the store forgets what it remembered
// (as a Lambda that has not seen this agent), and what the dial publishes
// is held until its answer and AWS calls are taken, so that the chain
// behind it neither adds calls to it nor competes with it.
func (e *emulated) dialAnswers(prefix string, from, n int) (DialAnswer, error) {
	s := e.s
	out := make(Samples, 0, n)
	var calls awscount.Snapshot
	s.pub.gate(true)
	defer s.pub.gate(false)
	for i := range n {
		if err := s.nextDial(); err != nil {
			return DialAnswer{}, err
		}
		agent := agentID(prefix, from+i)
		body := dialBody(fmt.Sprintf("%s-d%05d", prefix, from+i), agent)
		e.store.Forget()
		before := e.counter.Snapshot()
		start := time.Now()
		code, resp := s.serve(http.MethodPost, "/v1/telephony/events", body, true)
		d := time.Since(start)
		calls = calls.Add(e.counter.Snapshot().Sub(before))
		if err := s.leaseAnswer(code, resp); err != nil {
			return DialAnswer{}, err
		}
		out = append(out, d)
		if _, err := s.pub.release(); err != nil {
			return DialAnswer{}, err
		}
		s.m.Bus.Wait()
	}
	return DialAnswer{Summary: Summarise(out), Calls: round3(float64(calls.Total()) / float64(n)),
		Ms: round3(Ms(calls.TotalTime()) / float64(n)), Detail: detail(calls)}, nil
}

// FloorPart is one AWS call of a round-trip floor.
type FloorPart struct {
	Call     string
	P50, P99 float64 // ms
}

// The raw SDK calls the floors are made of, timed alone by floorSamples.
const (
	floorCallRecord   = "DynamoDB.PutItem call record (conditional: new)"
	floorAgentDND     = "DynamoDB.UpdateItem agent (DND + active call, conditional, ALL_NEW)"
	floorSiteRead     = "DynamoDB.GetItem site (consistent)"
	floorPoolQuery    = "DynamoDB.Query gsi3 (the site's country pool, as the dial reads it)"
	floorNumberLease  = "DynamoDB.UpdateItem number (lease, conditional on free)"
	floorAgentLease   = "DynamoDB.UpdateItem agent (the agent's lease record, conditional)"
	floorAnswerRecord = "DynamoDB.UpdateItem call (the answer record, conditional)"
	floorSendEmail    = "SESv2.SendEmail (stored template)"
)

// dialAnswerFloor is the fewest sequential AWS calls the dial answer makes
// as setUp is written (shared/mayday/dial_detection.go): record the call,
// put the agent on Do Not Disturb, read the site, read the pool, lease a
// number, record the lease on the agent (the one-number-per-agent arbiter),
// record the answer on the call; each one round trip.
var dialAnswerFloor = []string{floorCallRecord, floorAgentDND, floorSiteRead, floorPoolQuery, floorNumberLease,
	floorAgentLease, floorAnswerRecord}

// roundtripFloor is the fewest sequential AWS calls the dial → email path
// needs at all (see docs/PERFORMANCE.md): the agent (DND, returning its
// contacts), the number (the lease), the email.
var roundtripFloor = []string{floorAgentDND, floorNumberLease, floorSendEmail}

// floorSamples times each raw SDK call of the floors n times, one call
// after the other, on items of their own named after tag (the pool query
// reads the bench site's pool itself); floor sums the medians.
func (e *emulated) floorSamples(ctx context.Context, tag string, n int) (map[string]Samples, error) {
	ddb, ses, table := e.plain.DynamoDB, e.plain.SES, e.table
	S := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	N := func(v int64) ddbtypes.AttributeValue {
		return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
	key := func(pk, sk string) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{dynamostore.AttrPK: S(pk), dynamostore.AttrSK: S(sk)}
	}
	agentKey := func(i int) map[string]ddbtypes.AttributeValue {
		return key(fmt.Sprintf("FLOOR-"+tag+"-AGENT#%d", i), "AGENT")
	}
	callKey := func(i int) map[string]ddbtypes.AttributeValue {
		return key(fmt.Sprintf("FLOOR-"+tag+"-CALL#%d", i), "CALL")
	}
	numberKey := func(i int) map[string]ddbtypes.AttributeValue {
		return key(fmt.Sprintf("FLOOR-"+tag+"-NUMBER#+1555%07d", i), "NUMBER")
	}
	siteKey := key("FLOOR-"+tag+"-SITE#s", "SITE")
	site := maps.Clone(siteKey)
	site["name"], site["country"], site["version"] = S("Floor site"), S("US"), N(1)
	site["emergencyCallbackNumber"] = S("+18005550000")
	site["address"] = &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
		"street": S("1 Main St"), "city": S("Seattle"), "region": S("WA"), "postalCode": S("98101"), "country": S("US")}}
	site["notify"] = &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{S("security@example.com")}}
	if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: site}); err != nil {
		return nil, fmt.Errorf("floor setup: %w", err)
	}
	for i := range n { // untimed: the items the timed calls update
		agent := agentKey(i)
		agent["name"], agent["presence"], agent["siteId"], agent["version"] = S("Agent"), S("Busy"), S("s"), N(1)
		agent["emergencyContacts"] = &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{S("sup@example.com"), S("desk@example.com")}}
		num := numberKey(i)
		num[dynamostore.AttrGSI3PK], num[dynamostore.AttrGSI3SK], num["version"] = S("POOL#ZZ"), S(fmt.Sprint(i)), N(1)
		for _, item := range []map[string]ddbtypes.AttributeValue{agent, num} {
			if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
				return nil, fmt.Errorf("floor setup: %w", err)
			}
		}
	}
	now := time.Now()
	exp := now.Add(time.Hour)
	calls := []struct {
		name string
		do   func(i int) error
	}{
		{floorCallRecord, func(i int) error {
			item := callKey(i)
			item["agentId"], item["from"], item["to"], item["country"] = S("floor-agent"), S("+14255550100"), S("9-911"), S("US")
			item["number"], item["kind"], item["location"] = S("911"), S("outbound"), S("Building 4, floor 2")
			item["startedAt"], item["version"], item[dynamostore.AttrTTL] = S(now.UTC().Format(time.RFC3339)), N(1), N(exp.Unix())
			_, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item,
				ConditionExpression: aws.String("attribute_not_exists(#pk)"), ExpressionAttributeNames: map[string]string{"#pk": dynamostore.AttrPK}})
			return err
		}},
		{floorAgentDND, func(i int) error {
			ts := S(now.UTC().Format(time.RFC3339))
			_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
				Key:                      agentKey(i),
				UpdateExpression:         aws.String("SET #presence = :dnd, #emergency = :em, #version = #version + :one"),
				ConditionExpression:      aws.String("#version = :v"),
				ExpressionAttributeNames: map[string]string{"#presence": "presence", "#emergency": "emergency", "#version": "version"},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":dnd": S("DoNotDisturb"), ":one": N(1), ":v": N(1),
					":em": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
						"active": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{&ddbtypes.AttributeValueMemberM{
							Value: map[string]ddbtypes.AttributeValue{"callId": S(fmt.Sprintf("floor-c%d", i)), "kind": S("outbound"), "startedAt": ts}}}},
						"savedPresence": S("Busy"), "since": ts}}},
				ReturnValues: ddbtypes.ReturnValueAllNew})
			return err
		}},
		{floorSiteRead, func(i int) error {
			_, err := ddb.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: siteKey, ConsistentRead: aws.Bool(true)})
			return err
		}},
		{floorPoolQuery, func(i int) error {
			pages := dynamodb.NewQueryPaginator(ddb, &dynamodb.QueryInput{TableName: &table, IndexName: aws.String(dynamostore.IndexPool),
				KeyConditionExpression:    aws.String("#pk = :pool"),
				ExpressionAttributeNames:  map[string]string{"#pk": dynamostore.AttrGSI3PK},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":pool": S("POOL#US")}})
			for pages.HasMorePages() {
				if _, err := pages.NextPage(ctx); err != nil {
					return err
				}
			}
			return nil
		}},
		{floorNumberLease, func(i int) error {
			_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
				Key: numberKey(i),
				UpdateExpression: aws.String("SET #lease = :lease, #g1pk = :g1pk, #g1sk = :g1sk, " +
					"#g2pk = :g2pk, #g2sk = :exp, #version = #version + :one"),
				ConditionExpression: aws.String("attribute_not_exists(#lease) OR #lease.#expiresAt <= :nowS"),
				ExpressionAttributeNames: map[string]string{"#g1pk": dynamostore.AttrGSI1PK, "#g1sk": dynamostore.AttrGSI1SK,
					"#g2pk": dynamostore.AttrGSI2PK, "#g2sk": dynamostore.AttrGSI2SK, "#lease": "lease", "#expiresAt": "expiresAt",
					"#version": "version"},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{
					":lease": &ddbtypes.AttributeValueMemberM{Value: map[string]ddbtypes.AttributeValue{
						"agentId": S("floor-agent"), "callId": S(fmt.Sprintf("floor-c%d", i)),
						"leasedAt": S(now.UTC().Format(time.RFC3339)), "expiresAt": S(exp.UTC().Format(time.RFC3339))}},
					":exp": N(exp.Unix()), ":nowS": S(now.UTC().Format(time.RFC3339)), ":g1pk": S("AGENT#floor"),
					":g1sk": S(fmt.Sprint(i)), ":g2pk": S("FLOOR-LEASE"), ":one": N(1)}})
			return err
		}},
		{floorAgentLease, func(i int) error {
			_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
				Key:                       agentKey(i),
				UpdateExpression:          aws.String("SET #cb = :n, #version = #version + :one"),
				ConditionExpression:       aws.String("#version = :v"),
				ExpressionAttributeNames:  map[string]string{"#cb": "callbackNumber", "#version": "version"},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":n": S(fmt.Sprintf("+1555%07d", i)), ":one": N(1), ":v": N(2)}})
			return err
		}},
		{floorAnswerRecord, func(i int) error {
			_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
				Key:                 callKey(i),
				UpdateExpression:    aws.String("SET #site = :site, #cid = :cid, #src = :src, #cexp = :exp, #version = #version + :one"),
				ConditionExpression: aws.String("#version = :v"),
				ExpressionAttributeNames: map[string]string{"#site": "siteId", "#cid": "callerId", "#src": "callerIdSource",
					"#cexp": "callbackExpiresAt", "#version": "version"},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":site": S("s"), ":cid": S(fmt.Sprintf("+1555%07d", i)),
					":src": S("lease"), ":exp": S(exp.UTC().Format(time.RFC3339)), ":one": N(1), ":v": N(1)}})
			return err
		}},
		{floorSendEmail, func(i int) error {
			data := fmt.Sprintf(`{"agentName":"Agent","agentEmail":"agent@example.com","agentId":"floor","dialedNumber":"9-911",`+
				`"country":"US","location":"Building 4, floor 2","siteName":"Floor site","address":"Building 4, 1 Main St, Seattle, WA 98101, US",`+
				`"callbackNumber":"+14255550001","callbackExpiresAt":"2026-11-22 22:00 UTC",`+
				`"startedAt":"2026-11-22 21:00 UTC","callId":"floor-c%d"}`, i)
			_, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(sender),
				Destination: &sestypes.Destination{ToAddresses: []string{"sup@example.com", "desk@example.com", "security@example.com"}},
				Content: &sestypes.EmailContent{Template: &sestypes.Template{TemplateName: aws.String(mayday.TemplateName),
					TemplateData: aws.String(data)}}})
			return err
		}},
	}
	all := map[string]Samples{}
	for _, c := range calls {
		samples := make(Samples, 0, n)
		for i := range n {
			start := time.Now()
			if err := c.do(i); err != nil {
				return nil, fmt.Errorf("floor %s: %w", c.name, err)
			}
			samples = append(samples, time.Since(start))
		}
		all[c.name] = samples
	}
	return all, nil
}

// floor sums the medians of the samples of the named calls.
func floor(names []string, samples map[string]Samples) (float64, []FloorPart) {
	var total time.Duration
	var parts []FloorPart
	for _, name := range names {
		sum := Summarise(samples[name])
		total += Median(samples[name])
		parts = append(parts, FloorPart{Call: name, P50: sum.P50, P99: sum.P99})
	}
	return Ms(total), parts
}
