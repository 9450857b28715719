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
	// Detail: "<Service>.<Operation> <item kind>=n" (totals over the runs).
	Detail string
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
			perStep[step] = add(perStep[step], now.Sub(last))
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
		if err != nil || !emergencyAnswer(code, resp) {
			return out, fmt.Errorf("dial: %d %s %v", code, resp, err)
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

func add(a, b awscount.Snapshot) awscount.Snapshot {
	sum := func(x, y map[string]int) map[string]int {
		out := maps.Clone(x)
		if out == nil {
			out = map[string]int{}
		}
		for k, v := range y {
			out[k] += v
		}
		return out
	}
	return awscount.Snapshot{Calls: sum(a.Calls, b.Calls), Attempts: sum(a.Attempts, b.Attempts), Labelled: sum(a.Labelled, b.Labelled)}
}

// detail lists a snapshot's calls, labelled by item kind where known.
func detail(s awscount.Snapshot) string {
	counts := map[string]int{}
	for op, n := range s.Calls {
		labelled := 0
		for k, v := range s.Labelled {
			if strings.HasPrefix(k, op+" ") {
				counts[k] += v
				labelled += v
			}
		}
		if n-labelled > 0 {
			counts[op] += n - labelled
		}
	}
	keys := slices.Sorted(maps.Keys(counts))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+strconv.Itoa(counts[k]))
	}
	return strings.Join(parts, ", ")
}

// FloorPart is one AWS call of the round-trip floor.
type FloorPart struct {
	Call     string
	P50, P99 float64 // ms
}

// roundtripFloor times, on the emulators, the fewest sequential AWS calls
// the dial → email path needs (see docs/PERFORMANCE.md):
//  1. one conditional UpdateItem of the agent item: Do Not Disturb + the
//     active call, returning the agent (its contacts and name for the email);
//  2. one conditional UpdateItem of a pool number: the lease, with its index
//     attributes;
//  3. one SESv2 SendEmail with the stored template.
//
// floorSamples times each of them n times, one after the other, on items
// named after tag; the floor is the sum of the medians (see floor).
func (e *emulated) floorSamples(ctx context.Context, tag string, n int) ([]string, []Samples, error) {
	ddb, ses, table := e.plain.DynamoDB, e.plain.SES, e.table
	S := func(v string) ddbtypes.AttributeValue { return &ddbtypes.AttributeValueMemberS{Value: v} }
	N := func(v int64) ddbtypes.AttributeValue {
		return &ddbtypes.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
	key := func(pk, sk string) map[string]ddbtypes.AttributeValue {
		return map[string]ddbtypes.AttributeValue{dynamostore.AttrPK: S(pk), dynamostore.AttrSK: S(sk)}
	}
	for i := range n { // untimed: the items the timed calls update
		agent := key(fmt.Sprintf("FLOOR-"+tag+"-AGENT#%d", i), "AGENT")
		agent["Name"], agent["Presence"], agent["Version"] = S("Agent"), S("Busy"), N(1)
		agent["EmergencyContacts"] = &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{S("sup@example.com"), S("desk@example.com")}}
		num := key(fmt.Sprintf("FLOOR-"+tag+"-NUMBER#+1555%07d", i), "NUMBER")
		num[dynamostore.AttrGSI3PK], num[dynamostore.AttrGSI3SK], num["Version"] = S("POOL#ZZ"), S(fmt.Sprint(i)), N(1)
		for _, item := range []map[string]ddbtypes.AttributeValue{agent, num} {
			if _, err := ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
				return nil, nil, fmt.Errorf("floor setup: %w", err)
			}
		}
	}
	now := time.Now()
	calls := []struct {
		name string
		do   func(i int) error
	}{
		{"DynamoDB.UpdateItem agent (DND + active call, conditional, ALL_NEW)", func(i int) error {
			_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
				Key:                 key(fmt.Sprintf("FLOOR-"+tag+"-AGENT#%d", i), "AGENT"),
				UpdateExpression:    aws.String("SET Presence = :dnd, SavedPresence = Presence, Active = :active, Version = Version + :one"),
				ConditionExpression: aws.String("Version = :v"),
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":dnd": S("DoNotDisturb"), ":one": N(1), ":v": N(1),
					":active": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{S(fmt.Sprintf("floor-c%d", i))}}},
				ReturnValues: ddbtypes.ReturnValueAllNew})
			return err
		}},
		{"DynamoDB.UpdateItem number (lease, conditional on free)", func(i int) error {
			_, err := ddb.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &table,
				Key: key(fmt.Sprintf("FLOOR-"+tag+"-NUMBER#+1555%07d", i), "NUMBER"),
				UpdateExpression: aws.String("SET LeaseAgent = :a, LeaseCall = :c, LeaseExpires = :exp, #g1pk = :g1pk, #g1sk = :g1sk, " +
					"#g2pk = :g2pk, #g2sk = :exp, Version = Version + :one"),
				ConditionExpression: aws.String("attribute_not_exists(LeaseExpires) OR LeaseExpires <= :now"),
				ExpressionAttributeNames: map[string]string{"#g1pk": dynamostore.AttrGSI1PK, "#g1sk": dynamostore.AttrGSI1SK,
					"#g2pk": dynamostore.AttrGSI2PK, "#g2sk": dynamostore.AttrGSI2SK},
				ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":a": S("floor-agent"), ":c": S(fmt.Sprintf("floor-c%d", i)),
					":exp": N(now.Add(time.Hour).Unix()), ":now": N(now.Unix()), ":g1pk": S("AGENT#floor"), ":g1sk": S(fmt.Sprint(i)),
					":g2pk": S("FLOOR-LEASE"), ":one": N(1)}})
			return err
		}},
		{"SESv2.SendEmail (stored template)", func(i int) error {
			data := fmt.Sprintf(`{"agentName":"Agent","agentEmail":"agent@example.com","agentId":"floor","dialedNumber":"9-911",`+
				`"country":"US","location":"Building 4, floor 2","callbackNumber":"+14255550001","callbackExpiresAt":"2026-11-22 22:00 UTC",`+
				`"startedAt":"2026-11-22 21:00 UTC","callId":"floor-c%d"}`, i)
			_, err := ses.SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String(sender),
				Destination: &sestypes.Destination{ToAddresses: []string{"sup@example.com", "desk@example.com"}},
				Content: &sestypes.EmailContent{Template: &sestypes.Template{TemplateName: aws.String(mayday.TemplateName),
					TemplateData: aws.String(data)}}})
			return err
		}},
	}
	var names []string
	var all []Samples
	for _, c := range calls {
		samples := make(Samples, 0, n)
		for i := range n {
			start := time.Now()
			if err := c.do(i); err != nil {
				return nil, nil, fmt.Errorf("floor %s: %w", c.name, err)
			}
			samples = append(samples, time.Since(start))
		}
		names, all = append(names, c.name), append(all, samples)
	}
	return names, all, nil
}

// floor sums the medians of each call's samples.
func floor(names []string, samples []Samples) (float64, []FloorPart) {
	var total time.Duration
	var parts []FloorPart
	for i, name := range names {
		sum := Summarise(samples[i])
		total += Median(samples[i])
		parts = append(parts, FloorPart{Call: name, P50: sum.P50, P99: sum.P99})
	}
	return Ms(total), parts
}
