package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mayday/mayday/shared/mayday"
)

// The dial's setup (mayday.SetupStore): one BatchGetItem to read the agent
// and the call, one TransactWriteItems to write the call, the agent and the
// number presented, all or none. docs/DYNAMODB.md describes both.

// ReadSetup reads the agent and the call with one strongly consistent
// BatchGetItem. An absent item is its zero value with the id set and
// Version 0. What it read (absent included) becomes the store's first guess
// for the next update of each item.
func (st *Store) ReadSetup(ctx context.Context, agentID, callID string) (mayday.Agent, mayday.Call, error) {
	ak, err := agents.key(agentID)
	if err != nil {
		return mayday.Agent{}, mayday.Call{}, err
	}
	ck, err := calls.key(callID)
	if err != nil {
		return mayday.Agent{}, mayday.Call{}, err
	}
	got, err := st.batchGet(ctx, ak, ck)
	if err != nil {
		return mayday.Agent{}, mayday.Call{}, fmt.Errorf("setup of agent %s, call %s: %w", agentID, callID, err)
	}
	aItem, cItem := got[seenKey(ak)], got[seenKey(ck)]
	a, err := agents.decode(aItem, agentID)
	if err != nil {
		return mayday.Agent{}, mayday.Call{}, fmt.Errorf("agent %s: %w", agentID, err)
	}
	c, err := calls.decode(cItem, callID)
	if err != nil {
		return mayday.Agent{}, mayday.Call{}, fmt.Errorf("call %s: %w", callID, err)
	}
	st.seen.put(ak, aItem)
	st.seen.put(ck, cItem)
	return a, c, nil
}

// batchGet reads the items of keys (distinct, at most 100) with strongly
// consistent reads, by seenKey; a missing item has no entry. It is one
// BatchGetItem, and another only for the keys DynamoDB leaves unprocessed
// (under throttling), asked again after the store's backoff, up to
// MaxAttempts requests in all.
func (st *Store) batchGet(ctx context.Context, keys ...map[string]types.AttributeValue) (map[string]map[string]types.AttributeValue, error) {
	out := make(map[string]map[string]types.AttributeValue, len(keys))
	pending := keys
	for attempt := 1; ; attempt++ {
		res, err := st.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{
				st.table: {Keys: pending, ConsistentRead: aws.Bool(true)},
			},
		})
		if err != nil {
			return nil, fmt.Errorf("batch get: %w", err)
		}
		for _, item := range res.Responses[st.table] {
			out[seenKey(item)] = item
		}
		pending = res.UnprocessedKeys[st.table].Keys
		if len(pending) == 0 {
			return out, nil
		}
		if attempt >= st.maxAttempts() {
			return nil, fmt.Errorf("batch get: %d keys still unprocessed after %d requests", len(pending), attempt)
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, err
		}
	}
}

// setupPut is one Put of WriteSetup's transaction and what it writes.
type setupPut struct {
	key  map[string]types.AttributeValue
	item map[string]types.AttributeValue
	put  types.TransactWriteItem
}

// prepare encodes v (of id) as the put of a transaction: Version+1, the key,
// index and TTL attributes as update writes them, conditioned on the stored
// version being v's (versionIs: for Version 0, the item must not exist). It
// also returns the written value as it reads back from the item, so that it
// shares no memory with v.
func prepare[T, I any](st *Store, r record[T, I], v T, id string) (T, setupPut, error) {
	var zero T
	k, err := r.key(id)
	if err != nil {
		return zero, setupPut{}, err
	}
	read := *r.version(&v)
	*r.version(&v) = read + 1
	item, err := r.item(&v, id)
	if err != nil {
		return zero, setupPut{}, fmt.Errorf("%s %s: %w", r.what, id, err)
	}
	expr, err := expression.NewBuilder().WithCondition(versionIs(read != 0, read)).Build()
	if err != nil {
		return zero, setupPut{}, fmt.Errorf("%s %s: condition: %w", r.what, id, err)
	}
	written, err := r.decode(item, id)
	if err != nil {
		return zero, setupPut{}, fmt.Errorf("%s %s: %w", r.what, id, err)
	}
	return written, setupPut{key: k, item: item, put: types.TransactWriteItem{Put: st.conditionalPut(item, expr)}}, nil
}

// Cancellation reason codes of TransactionCanceledException that mean an
// item changed meanwhile: its condition failed, or another transaction was
// writing it at the same time.
const (
	reasonConditionFailed     = "ConditionalCheckFailed"
	reasonTransactionConflict = "TransactionConflict"
)

// WriteSetup writes the call, the agent and, when not nil, the number with
// one TransactWriteItems of conditional Puts (call, agent, number, in this
// order) and the unconditional Puts of the outbox items of evs, each conditioned like an update's put on the Version the value
// carries. A cancelled transaction whose reasons name a failed condition or
// a concurrent transaction is a *mayday.SetupConflict naming those items;
// any other failure is returned as it is. No ClientRequestToken is set: the
// SDK fills one per call, so only its own retries of this call are
// deduplicated, and deduplicating dials is the domain's job.
func (st *Store) WriteSetup(ctx context.Context, call mayday.Call, agent mayday.Agent, number *mayday.CallbackNumber, evs []mayday.OutboxEvent) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
	// fail names no id: prepare has named the valid ones and refused the
	// others without echoing them.
	fail := func(err error) (mayday.Call, mayday.Agent, *mayday.CallbackNumber, error) {
		return mayday.Call{}, mayday.Agent{}, nil, fmt.Errorf("setup: %w", err)
	}
	c, cPut, err := prepare(st, calls, call, call.ID)
	if err != nil {
		return fail(err)
	}
	a, aPut, err := prepare(st, agents, agent, agent.ID)
	if err != nil {
		return fail(err)
	}
	puts := []setupPut{cPut, aPut}
	var n *mayday.CallbackNumber
	if number != nil {
		nv, nPut, err := prepare(st, numbers, *number, number.Number)
		if err != nil {
			return fail(err)
		}
		n, puts = &nv, append(puts, nPut)
	}
	items := make([]types.TransactWriteItem, len(puts))
	for i, p := range puts {
		items[i] = p.put
	}
	outbox, err := st.outboxPuts(evs)
	if err != nil {
		return fail(err)
	}
	items = append(items, outbox...)
	_, err = st.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if err == nil {
		for _, p := range puts {
			st.seen.put(p.key, p.item)
		}
		return c, a, n, nil
	}
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		return fail(fmt.Errorf("call %s, agent %s: transact write: %w", call.ID, agent.ID, err))
	}
	conflict := &mayday.SetupConflict{}
	changed := []*bool{&conflict.Call, &conflict.Agent, &conflict.Number} // in the order of puts
	found := false
	for i, reason := range cancelled.CancellationReasons {
		if i >= len(puts) {
			break
		}
		switch aws.ToString(reason.Code) {
		case reasonConditionFailed:
			*changed[i], found = true, true
			if len(reason.Item) > 0 {
				st.seen.put(puts[i].key, reason.Item) // the item as it is now
			} else {
				st.seen.forget(puts[i].key)
			}
		case reasonTransactionConflict:
			*changed[i], found = true, true
			st.seen.forget(puts[i].key)
		}
	}
	if !found {
		return fail(fmt.Errorf("call %s, agent %s: transact write: %w", call.ID, agent.ID, err))
	}
	return mayday.Call{}, mayday.Agent{}, nil, conflict
}
