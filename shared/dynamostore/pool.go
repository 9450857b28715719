package dynamostore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/mayday/mayday/shared/mayday"
)

// The callback pool.

func (st *Store) GetNumber(ctx context.Context, number string) (mayday.CallbackNumber, error) {
	return get(ctx, st, numbers, number)
}

func (st *Store) UpdateNumber(ctx context.Context, number string, fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
	return update(ctx, st, numbers, number, fn)
}

func (st *Store) UpdateNumberAnnouncing(ctx context.Context, number string, fn func(*mayday.CallbackNumber) ([]mayday.OutboxEvent, error)) (mayday.CallbackNumber, error) {
	return updateAnnouncing(ctx, st, numbers, number, fn)
}

// DeleteNumber deletes the number as check saw it: a change in between runs
// the check again on the new value.
func (st *Store) DeleteNumber(ctx context.Context, number string, check func(mayday.CallbackNumber) error) error {
	return deleteIf(ctx, st, numbers, number, check)
}

// deleteIf deletes the item of id if check, given the stored value, allows,
// conditioned on the version check saw: a change in between runs the check
// again on the new value. check's error is returned as it is.
func deleteIf[T, I any](ctx context.Context, st *Store, r record[T, I], id string, check func(T) error) error {
	k, err := r.key(id)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		stored, err := st.getItem(ctx, k)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.what, id, err)
		}
		if stored == nil {
			return mayday.NotFound(r.what, id)
		}
		v, err := r.decode(stored, id)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.what, id, err)
		}
		if err := check(v); err != nil {
			return err
		}
		expr, err := expression.NewBuilder().WithCondition(versionIs(true, *r.version(&v))).Build()
		if err != nil {
			return fmt.Errorf("%s %s: condition: %w", r.what, id, err)
		}
		_, err = st.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName:                 &st.table,
			Key:                       k,
			ConditionExpression:       expr.Condition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		})
		if err == nil {
			st.seen.forget(k)
			return nil
		}
		if !conditionFailed(err) && !transactionConflict(err) {
			return fmt.Errorf("%s %s: delete: %w", r.what, id, err)
		}
		if err := st.retry(ctx, attempt); err != nil {
			return fmt.Errorf("%s %s: %w", r.what, id, err)
		}
	}
}

// query reads every page of a query on an index of r's items and keeps the
// items keep accepts. Index reads are eventually consistent: a caller that
// acts on an item re-reads it through its Update method.
func query[T, I any](ctx context.Context, st *Store, r record[T, I], index string, kc expression.KeyConditionBuilder,
	keep func(T) bool) ([]T, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return nil, fmt.Errorf("key condition: %w", err)
	}
	pages := dynamodb.NewQueryPaginator(st.client, &dynamodb.QueryInput{
		TableName:                 &st.table,
		IndexName:                 &index,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	return readPages(st, r, "query "+index, pages.HasMorePages, func() ([]map[string]types.AttributeValue, error) {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		return page.Items, nil
	}, keep)
}

// scanIndex reads every page of a scan of a sparse index of r's items,
// filtered by filter, and keeps the items keep accepts. It is for an index
// that holds few items (gsi3: the numbers and the sites), never the table.
func scanIndex[T, I any](ctx context.Context, st *Store, r record[T, I], index string, filter expression.ConditionBuilder,
	keep func(T) bool) ([]T, error) {
	expr, err := expression.NewBuilder().WithFilter(filter).Build()
	if err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	pages := dynamodb.NewScanPaginator(st.client, &dynamodb.ScanInput{
		TableName:                 &st.table,
		IndexName:                 &index,
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	return readPages(st, r, "scan "+index, pages.HasMorePages, func() ([]map[string]types.AttributeValue, error) {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		return page.Items, nil
	}, keep)
}

// readPages reads every page of a query or a scan and keeps the items keep
// accepts.
func readPages[T, I any](st *Store, r record[T, I], what string, more func() bool,
	next func() ([]map[string]types.AttributeValue, error), keep func(T) bool) ([]T, error) {
	var out []T
	for more() {
		items, err := next()
		if err == nil {
			out, err = keepItems(st, r, items, keep, out)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
	}
	return out, nil
}

// keepItems decodes the items of an index read and appends those keep
// accepts to out.
func keepItems[T, I any](st *Store, r record[T, I], items []map[string]types.AttributeValue, keep func(T) bool, out []T) ([]T, error) {
	for _, item := range items {
		v, err := r.value(item)
		if err != nil {
			return nil, err
		}
		if keep(v) {
			out = append(out, v)
			// A good first guess for the update that usually follows
			// (an index read may be stale; update copes with that).
			st.seen.put(map[string]types.AttributeValue{AttrPK: item[AttrPK], AttrSK: item[AttrSK]}, item)
		}
	}
	return out, nil
}

// queryNumbers queries an index of number items.
func (st *Store) queryNumbers(ctx context.Context, index string, kc expression.KeyConditionBuilder,
	keep func(mayday.CallbackNumber) bool) ([]mayday.CallbackNumber, error) {
	return query(ctx, st, numbers, index, kc, func(c mayday.CallbackNumber) bool {
		return c.Number != "" && (keep == nil || keep(c)) // Number: written by this store
	})
}

func sortNumbers(ns []mayday.CallbackNumber) []mayday.CallbackNumber {
	slices.SortFunc(ns, func(a, b mayday.CallbackNumber) int { return strings.Compare(a.Number, b.Number) })
	return ns
}

// ListNumbers reads the country's pool from gsi3 — a site's numbers are in
// its country's pool too. "" lists every number stored, whatever its
// country: a scan of gsi3, which holds only numbers and sites, never of the
// table.
func (st *Store) ListNumbers(ctx context.Context, country string) ([]mayday.CallbackNumber, error) {
	if country == "" {
		out, err := scanIndex(ctx, st, numbers, IndexPool,
			expression.Name(AttrGSI3PK).BeginsWith(poolPrefix),
			func(c mayday.CallbackNumber) bool { return c.Number != "" })
		if err != nil {
			return nil, fmt.Errorf("every pool: %w", err)
		}
		return sortNumbers(out), nil
	}
	out, err := st.queryNumbers(ctx, IndexPool,
		expression.Key(AttrGSI3PK).Equal(expression.Value(poolPrefix+country)),
		func(c mayday.CallbackNumber) bool { return c.Country == country })
	if err != nil {
		return nil, fmt.Errorf("pool %s: %w", country, err)
	}
	return sortNumbers(out), nil
}

// LeasesHeldBy reads the agent's leased numbers, live or expired, from gsi1.
func (st *Store) LeasesHeldBy(ctx context.Context, agentID string) ([]mayday.CallbackNumber, error) {
	pk, err := partition(leasesOfAgentPrefix, validAgentID, agentID)
	if err != nil {
		return nil, err
	}
	out, err := st.queryNumbers(ctx, IndexLeasesByAgent,
		expression.Key(AttrGSI1PK).Equal(expression.Value(pk)),
		func(c mayday.CallbackNumber) bool { return c.Lease != nil && c.Lease.AgentID == agentID })
	if err != nil {
		return nil, fmt.Errorf("leases of agent %s: %w", agentID, err)
	}
	return sortNumbers(out), nil
}

// LeasesExpiringBy reads gsi2 up to t's second and then compares the exact
// expiry, since the index keeps whole seconds.
func (st *Store) LeasesExpiringBy(ctx context.Context, t time.Time) ([]mayday.CallbackNumber, error) {
	out, err := st.queryNumbers(ctx, IndexLeasesByExpiry,
		expression.Key(AttrGSI2PK).Equal(expression.Value(leasePartition)).
			And(expression.Key(AttrGSI2SK).LessThanEqual(expression.Value(t.Unix()))),
		func(c mayday.CallbackNumber) bool { return c.Lease != nil && !c.Lease.ExpiresAt.After(t) })
	if err != nil {
		return nil, fmt.Errorf("leases expiring by %s: %w", t.Format(time.RFC3339), err)
	}
	return sortNumbers(out), nil
}
