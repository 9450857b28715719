package dynamostore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/mayday"
)

// calls records the DynamoDB operations a client makes and lets a test
// stand in for DynamoDB on chosen ones: intercept sees each request and may
// answer it (handled true) instead of DynamoDB, or change DynamoDB's answer.
type calls struct {
	mu        sync.Mutex
	ops       []string
	intercept func(op string, n int, in any, next func() (any, error)) (out any, err error, handled bool)
}

// client is c with every operation passing through k.
func (k *calls) client(c *dynamodb.Client) *dynamodb.Client {
	return dynamodb.New(c.Options(), func(o *dynamodb.Options) {
		o.APIOptions = append(slices.Clone(o.APIOptions), func(s *middleware.Stack) error {
			return s.Initialize.Add(middleware.InitializeMiddlewareFunc("calls",
				func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
					op := strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", in.Parameters), "*dynamodb."), "Input")
					k.mu.Lock()
					k.ops = append(k.ops, op)
					n := 0
					for _, o := range k.ops {
						if o == op {
							n++
						}
					}
					intercept := k.intercept
					k.mu.Unlock()
					var (
						out middleware.InitializeOutput
						md  middleware.Metadata
					)
					call := func() (any, error) {
						var err error
						out, md, err = next.HandleInitialize(ctx, in)
						return out.Result, err
					}
					if intercept != nil {
						if res, err, handled := intercept(op, n, in.Parameters, call); handled {
							return middleware.InitializeOutput{Result: res}, md, err
						}
					}
					_, err := call()
					return out, md, err
				}), middleware.After)
		})
	})
}

// take returns the operations made since the last take.
func (k *calls) take() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	ops := k.ops
	k.ops = nil
	return ops
}

func (k *calls) expect(t *testing.T, what string, want ...string) {
	t.Helper()
	if got := k.take(); !slices.Equal(got, want) {
		t.Errorf("%s made %v, want %v", what, got, want)
	}
}

func setupOf(callID string) (mayday.Call, mayday.Agent, mayday.CallbackNumber) {
	now := time.Now().UTC()
	c := mayday.Call{ID: callID, Kind: mayday.KindOutbound, AgentID: "a-1", To: "911", StartedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour)}
	a := mayday.Agent{ID: "a-1", Profile: mayday.Profile{Name: "Ada", SiteID: "s-1"}, CallbackNumber: "+14255550001"}
	a.BeginEmergency(callID, mayday.KindOutbound, now)
	n := mayday.CallbackNumber{Number: "+14255550001", Country: "US",
		Lease: &mayday.Lease{AgentID: "a-1", CallID: callID, LeasedAt: now, ExpiresAt: now.Add(time.Hour)}}
	return c, a, n
}

// TestSetupRoundTrips: ReadSetup is one BatchGetItem and WriteSetup one
// TransactWriteItems, and both leave the items as first guesses, so the
// updates that follow them make no read.
func TestSetupRoundTrips(t *testing.T) {
	c, table := newTable(t)
	k := &calls{}
	st := dynamostore.New(k.client(c), table)
	ctx := context.Background()

	a, call, err := st.ReadSetup(ctx, "a-1", "c-1")
	if err != nil || a.Version != 0 || call.Version != 0 {
		t.Fatalf("ReadSetup = %+v, %+v, %v", a, call, err)
	}
	k.expect(t, "ReadSetup", "BatchGetItem")
	if _, err := st.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil }); err != nil {
		t.Fatal(err)
	}
	k.expect(t, "UpdateAgent of an agent ReadSetup found absent", "PutItem")

	st.Forget()
	a, call, err = st.ReadSetup(ctx, "a-1", "c-1")
	if err != nil || a.Version != 1 {
		t.Fatalf("ReadSetup = %+v, %+v, %v", a, call, err)
	}
	k.expect(t, "ReadSetup", "BatchGetItem")
	wc, wa, wn := setupOf("c-1")
	wa.Version = a.Version
	if _, _, _, err := st.WriteSetup(ctx, wc, wa, &wn, nil); err != nil {
		t.Fatal(err)
	}
	k.expect(t, "WriteSetup", "TransactWriteItems")
	for _, u := range []func() error{
		func() error {
			_, err := st.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.EndAllEmergencies(); return nil })
			return err
		},
		func() error {
			_, err := st.UpdateCall(ctx, "c-1", func(c *mayday.Call) error { c.EndedAt = time.Now(); return nil })
			return err
		},
		func() error {
			_, err := st.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error { n.Lease = nil; return nil })
			return err
		},
	} {
		if err := u(); err != nil {
			t.Fatal(err)
		}
	}
	k.expect(t, "updates of what WriteSetup wrote", "PutItem", "PutItem", "PutItem")

	// A conflict hands back the items as they are now (ALL_OLD on the
	// failed condition), which become the guesses.
	other := dynamostore.New(c, table)
	if _, err := other.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "changed"; return nil }); err != nil {
		t.Fatal(err)
	}
	wc, wa, _ = setupOf("c-2")
	wa.Version = 3
	_, _, _, err = st.WriteSetup(ctx, wc, wa, nil, nil)
	var conflict *mayday.SetupConflict
	if !errors.As(err, &conflict) || *conflict != (mayday.SetupConflict{Agent: true}) {
		t.Fatalf("WriteSetup with a stale agent = %v, want a conflict on the agent", err)
	}
	k.expect(t, "a conflicting WriteSetup", "TransactWriteItems")
	got, err := st.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name += "!"; return nil })
	if err != nil || got.Name != "changed!" || got.Version != 5 {
		t.Fatalf("UpdateAgent after the conflict = %+v, %v; want it on the other writer's value", got, err)
	}
	k.expect(t, "UpdateAgent after a conflict on it", "PutItem")
}

// TestReadSetupUnprocessedKeys: keys DynamoDB leaves unprocessed are asked
// again, after a backoff, up to MaxAttempts requests.
func TestReadSetupUnprocessedKeys(t *testing.T) {
	c, table := newTable(t)
	ctx := context.Background()
	seed := dynamostore.New(c, table)
	if _, err := seed.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.UpdateCall(ctx, "c-1", func(c *mayday.Call) error { c.From = "+14255550199"; return nil }); err != nil {
		t.Fatal(err)
	}
	// throttle answers the first `times` BatchGetItems with every key
	// unprocessed but the call's.
	throttle := func(times int) func(op string, n int, in any, next func() (any, error)) (any, error, bool) {
		return func(op string, n int, in any, next func() (any, error)) (any, error, bool) {
			if op != "BatchGetItem" || n > times {
				return nil, nil, false
			}
			res, err := next()
			if err != nil {
				return res, err, true
			}
			out := res.(*dynamodb.BatchGetItemOutput)
			var kept []map[string]types.AttributeValue
			var left []map[string]types.AttributeValue
			for _, item := range out.Responses[table] {
				if item["pk"].(*types.AttributeValueMemberS).Value == "CALL#c-1" {
					kept = append(kept, item)
				} else {
					left = append(left, map[string]types.AttributeValue{"pk": item["pk"], "sk": item["sk"]})
				}
			}
			out.Responses[table] = kept
			out.UnprocessedKeys = map[string]types.KeysAndAttributes{table: {Keys: left, ConsistentRead: aws.Bool(true)}}
			return out, nil, true
		}
	}

	k := &calls{intercept: throttle(2)}
	st := dynamostore.New(k.client(c), table)
	a, call, err := st.ReadSetup(ctx, "a-1", "c-1")
	if err != nil || a.Name != "Ada" || a.Version != 1 || call.From != "+14255550199" {
		t.Fatalf("ReadSetup = %+v, %+v, %v", a, call, err)
	}
	k.expect(t, "ReadSetup, throttled twice", "BatchGetItem", "BatchGetItem", "BatchGetItem")

	k = &calls{intercept: throttle(100)}
	st = dynamostore.New(k.client(c), table)
	st.MaxAttempts = 3
	if _, _, err := st.ReadSetup(ctx, "a-1", "c-1"); err == nil || errors.Is(err, mayday.ErrConflict) {
		t.Fatalf("ReadSetup with keys left unprocessed every time = %v, want an error (not a conflict)", err)
	}
	k.expect(t, "ReadSetup, always throttled", "BatchGetItem", "BatchGetItem", "BatchGetItem")
}

// TestWriteSetupCancellationReasons: a transaction cancelled because another
// one held an item (TransactionConflict, which DynamoDB Local never reports:
// it runs transactions one at a time) is a conflict on that item; a
// cancellation for any other reason is an error, not a conflict.
func TestWriteSetupCancellationReasons(t *testing.T) {
	c, table := newTable(t)
	ctx := context.Background()
	var reasons []string
	k := &calls{intercept: func(op string, n int, in any, next func() (any, error)) (any, error, bool) {
		if op != "TransactWriteItems" {
			return nil, nil, false
		}
		e := &types.TransactionCanceledException{Message: aws.String("Transaction cancelled")}
		for _, r := range reasons {
			e.CancellationReasons = append(e.CancellationReasons, types.CancellationReason{Code: aws.String(r)})
		}
		return nil, e, true
	}}
	st := dynamostore.New(k.client(c), table)
	wc, wa, wn := setupOf("c-1")

	reasons = []string{"None", "TransactionConflict", "ConditionalCheckFailed"}
	_, _, _, err := st.WriteSetup(ctx, wc, wa, &wn, nil)
	var conflict *mayday.SetupConflict
	if !errors.As(err, &conflict) || *conflict != (mayday.SetupConflict{Agent: true, Number: true}) || !errors.Is(err, mayday.ErrConflict) {
		t.Errorf("WriteSetup cancelled for %v = %v, want a conflict on the agent and the number", reasons, err)
	}
	reasons = []string{"ThrottlingError", "None"}
	_, _, _, err = st.WriteSetup(ctx, wc, wa, nil, nil)
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &conflict) || errors.Is(err, mayday.ErrConflict) || !errors.As(err, &cancelled) {
		t.Errorf("WriteSetup cancelled for %v = %v, want the cancellation, not a conflict", reasons, err)
	}
}

// TestUpdateDuringSetupTransaction: a single-item write refused because a
// WriteSetup transaction holds the item (TransactionConflictException, which
// the SDK does not retry) is a lost race: the update reads and tries again.
func TestUpdateDuringSetupTransaction(t *testing.T) {
	c, table := newTable(t)
	ctx := context.Background()
	held := map[string]bool{"PutItem": true, "DeleteItem": true} // once each
	var mu sync.Mutex
	k := &calls{intercept: func(op string, n int, in any, next func() (any, error)) (any, error, bool) {
		mu.Lock()
		defer mu.Unlock()
		if !held[op] {
			return nil, nil, false
		}
		held[op] = false
		return nil, &types.TransactionConflictException{Message: aws.String("Transaction is ongoing for the item")}, true
	}}
	st := dynamostore.New(k.client(c), table)
	a, err := st.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil })
	if err != nil || a.Version != 1 {
		t.Fatalf("UpdateAgent during a transaction = %+v, %v; want it written after a retry", a, err)
	}
	k.expect(t, "UpdateAgent during a transaction", "GetItem", "PutItem", "GetItem", "PutItem")

	if _, err := st.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error { n.Country = "US"; return nil }); err != nil {
		t.Fatal(err)
	}
	k.take()
	if err := st.DeleteNumber(ctx, "+14255550001", func(mayday.CallbackNumber) error { return nil }); err != nil {
		t.Fatalf("DeleteNumber during a transaction = %v; want it deleted after a retry", err)
	}
	k.expect(t, "DeleteNumber during a transaction", "GetItem", "DeleteItem", "GetItem", "DeleteItem")
}

// TestWriteSetupItemLayout: WriteSetup writes the items as the updates do —
// keys, index attributes, ttl and version.
func TestWriteSetupItemLayout(t *testing.T) {
	c, table := newTable(t)
	st := dynamostore.New(c, table)
	ctx := context.Background()
	wc, wa, wn := setupOf("c-1")
	if _, _, _, err := st.WriteSetup(ctx, wc, wa, &wn, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pk, sk string
		s      map[string]string
		n      map[string]int64
		absent []string
	}{
		{"CALL#c-1", "CALL", map[string]string{"callId": "c-1"},
			map[string]int64{"ttl": wc.ExpiresAt.Unix(), "version": 1}, []string{"gsi1pk", "gsi2pk", "gsi3pk"}},
		{"AGENT#a-1", "AGENT", map[string]string{"agentId": "a-1", "gsi1pk": "SITE#s-1", "gsi1sk": "a-1", "gsi2pk": "EMERGENCY"},
			map[string]int64{"gsi2sk": wa.Emergency.Since.Unix(), "version": 1}, []string{"ttl", "gsi3pk"}},
		{"NUMBER#+14255550001", "NUMBER", map[string]string{
			"number": "+14255550001", "gsi1pk": "AGENT#a-1", "gsi1sk": "+14255550001", "gsi2pk": "LEASE",
			"gsi3pk": "POOL#US", "gsi3sk": "+14255550001",
		}, map[string]int64{"gsi2sk": wn.Lease.ExpiresAt.Unix(), "version": 1}, []string{"ttl"}},
	} {
		item := rawItem(t, c, table, tc.pk, tc.sk)
		for name, want := range tc.s {
			if got, _ := attrS(item, name); got != want {
				t.Errorf("%s: %s = %q, want %q", tc.pk, name, got, want)
			}
		}
		for name, want := range tc.n {
			if got, _ := attrN(t, item, name); got != want {
				t.Errorf("%s: %s = %d, want %d", tc.pk, name, got, want)
			}
		}
		for _, name := range tc.absent {
			if v, ok := item[name]; ok {
				t.Errorf("%s has %s = %v, want none", tc.pk, name, v)
			}
		}
	}
}
