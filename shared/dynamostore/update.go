package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/mayday/mayday/shared/mayday"
)

// Generic get and update.

func (st *Store) getItem(ctx context.Context, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	out, err := st.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &st.table,
		Key:            k,
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get: %w", err)
	}
	if len(out.Item) == 0 {
		return nil, nil
	}
	return out.Item, nil
}

func get[T, I any](ctx context.Context, st *Store, r record[T, I], id string) (T, error) {
	var zero T
	k, err := r.key(id)
	if err != nil {
		return zero, err
	}
	item, err := st.getItem(ctx, k)
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
	}
	if item == nil {
		return zero, mayday.NotFound(r.what, id)
	}
	v, err := r.decode(item, id)
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
	}
	return v, nil
}

// versionIs is the optimistic lock: the item is as it was read (version) or,
// when nothing was read, still missing.
func versionIs(found bool, version int64) expression.ConditionBuilder {
	if !found {
		return expression.AttributeNotExists(expression.Name(AttrPK))
	}
	c := expression.Name(attrVersion).Equal(expression.Value(version))
	if version == 0 { // written by something other than this store
		c = c.Or(expression.AttributeNotExists(expression.Name(attrVersion)))
	}
	return c
}

// update is the closure-style read-modify-write of every Update method: the
// closure runs on the current item and the put is conditioned on the version
// it saw; a conflicting write in between re-runs the closure.
//
// To spare a read, the first attempt may run on a guess — the item as this
// store last saw it, or, for records usually created fresh, no item at all.
// A wrong guess costs nothing extra: the conditional put fails and returns the
// current item (ReturnValuesOnConditionCheckFailure), which the next attempt
// uses. A closure that declines to write (ErrNoChange or an error) never acts
// on a guess: the item is read consistently and the closure runs again.
func update[T, I any](ctx context.Context, st *Store, r record[T, I], id string, fn func(*T) error) (T, error) {
	return updateAnnouncing(ctx, st, r, id, func(v *T) ([]mayday.OutboxEvent, error) { return nil, fn(v) })
}

// updateAnnouncing is update whose closure also names the events its write
// records: their outbox items are put with the item in one
// TransactWriteItems (putIf), all or none.
func updateAnnouncing[T, I any](ctx context.Context, st *Store, r record[T, I], id string, fn func(*T) ([]mayday.OutboxEvent, error)) (T, error) {
	var zero T
	k, err := r.key(id)
	if err != nil {
		return zero, err
	}
	stored, cached := st.seen.get(k)
	known, needRead := false, !cached && !r.fresh // known: stored is what the table holds
	for attempt := 1; ; {
		if needRead {
			item, err := st.getItem(ctx, k)
			if err != nil {
				return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
			}
			stored, known, needRead = item, true, false
		}
		v, err := r.decode(stored, id)
		if err != nil {
			return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
		}
		read := *r.version(&v)
		evs, err := fn(&v)
		if err != nil {
			if !known {
				needRead = true // decide on what is stored, not on a guess
				continue
			}
			if errors.Is(err, mayday.ErrNoChange) {
				return r.decode(stored, id) // as stored, whatever the closure did
			}
			return zero, err // the closure's own error, as it gave it
		}
		r.setID(&v, id) // the closure cannot move the value
		*r.version(&v) = read + 1
		item, err := r.item(&v, id)
		if err != nil {
			return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
		}
		current, err := st.putIf(ctx, item, versionIs(stored != nil, read), evs)
		if err == nil {
			st.seen.put(k, item)
			return v, nil
		}
		if transactionConflict(err) {
			// A WriteSetup transaction holds the item: wait, then read it
			// and run the closure again, as after any lost race.
			if err := st.retry(ctx, attempt); err != nil {
				return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
			}
			attempt++
			needRead = true
			continue
		}
		if !conditionFailed(err) {
			return zero, fmt.Errorf("%s %s: put: %w", r.what, id, err)
		}
		// current is the item now. After a wrong guess it is used at once;
		// after a real race, after a backoff — by then it is a guess again.
		wasRace := known
		stored, known = current, true
		if wasRace {
			if err := st.retry(ctx, attempt); err != nil {
				return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
			}
			attempt++
			known = false
		}
	}
}

// putIf writes item if cond holds; when it does not, it returns the item as
// stored (nil when there is none) with the ConditionalCheckFailedException.
// With evs it is one TransactWriteItems that also puts their outbox items,
// its cancellation reported as the PutItem's would be.
func (st *Store) putIf(ctx context.Context, item map[string]types.AttributeValue, cond expression.ConditionBuilder, evs []mayday.OutboxEvent) (map[string]types.AttributeValue, error) {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("condition: %w", err)
	}
	if len(evs) > 0 {
		return st.putIfAnnouncing(ctx, item, expr, evs)
	}
	_, err = st.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           &st.table,
		Item:                                item,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) && len(ccf.Item) > 0 {
		return ccf.Item, err
	}
	return nil, err
}

// conditionalPut is a transaction's put of item if expr's condition
// holds, returning the item as stored when it does not.
func (st *Store) conditionalPut(item map[string]types.AttributeValue, expr expression.Expression) *types.Put {
	return &types.Put{
		TableName:                           &st.table,
		Item:                                item,
		ConditionExpression:                 expr.Condition(),
		ExpressionAttributeNames:            expr.Names(),
		ExpressionAttributeValues:           expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
}

func (st *Store) putIfAnnouncing(ctx context.Context, item map[string]types.AttributeValue, expr expression.Expression, evs []mayday.OutboxEvent) (map[string]types.AttributeValue, error) {
	outbox, err := st.outboxPuts(evs)
	if err != nil {
		return nil, err
	}
	items := append([]types.TransactWriteItem{{Put: st.conditionalPut(item, expr)}}, outbox...)
	_, err = st.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) || len(cancelled.CancellationReasons) == 0 {
		return nil, err
	}
	reason := cancelled.CancellationReasons[0]
	switch aws.ToString(reason.Code) {
	case reasonConditionFailed:
		ccf := &types.ConditionalCheckFailedException{Message: cancelled.Message, Item: reason.Item}
		if len(reason.Item) == 0 {
			return nil, ccf
		}
		return reason.Item, ccf
	case reasonTransactionConflict:
		return nil, &types.TransactionConflictException{Message: cancelled.Message}
	}
	return nil, err
}

func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// transactionConflict reports whether a single-item write was refused
// because a transaction (WriteSetup) on the item was in progress: a lost
// race like a failed condition, except that no current item comes with it.
func transactionConflict(err error) bool {
	var tc *types.TransactionConflictException
	return errors.As(err, &tc)
}

// maxAttempts is MaxAttempts, or its default when unset.
func (st *Store) maxAttempts() int {
	if st.MaxAttempts <= 0 {
		return DefaultMaxAttempts
	}
	return st.MaxAttempts
}

// retry waits before attempt+1 after a lost race, with full jitter so that
// the writers contending for one item spread out; after the last attempt it
// fails with mayday.ErrConflict.
func (st *Store) retry(ctx context.Context, attempt int) error {
	if limit := st.maxAttempts(); attempt >= limit {
		return fmt.Errorf("%w: still changing after %d attempts", mayday.ErrConflict, attempt)
	}
	return backoff(ctx, attempt)
}

// backoff waits before attempt+1: 1 ms plus a random wait up to 5 ms·2ⁿ, at
// most 250 ms (full jitter).
func backoff(ctx context.Context, attempt int) error {
	ceiling := min(5*time.Millisecond<<attempt, 250*time.Millisecond)
	timer := time.NewTimer(time.Millisecond + rand.N(ceiling))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
