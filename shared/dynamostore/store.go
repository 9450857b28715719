// Package dynamostore is the DynamoDB adapter of the mayday.Store port: one
// table, single-table design, optimistic locking with condition expressions.
// docs/DYNAMODB.md describes the design; CreateTable (schema.go) creates it.
//
// Domain values are not marshalled as they are: each kind of item has a wire
// format of its own (items.go), private types whose dynamodbav tags name
// every stored attribute in lowerCamelCase (agentId, presence, emergency,
// lease, version, ...; times RFC 3339 strings), converted to and from the
// domain values field by field. Renaming a Go field of package mayday thus
// changes nothing stored, and items_test.go pins the format against golden
// files. Next to those attributes each item carries the lower-case key,
// index and TTL attributes (pk, sk, gsi*, ttl) this package derives from it.
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mayday/mayday/shared/mayday"
)

// Attribute and index names of the table; the CDK stack uses the same.
const (
	AttrPK     = "pk"
	AttrSK     = "sk"
	AttrGSI1PK = "gsi1pk" // "AGENT#<agentId>" while a number is leased; "SITE#<siteId>" on an agent with a site
	AttrGSI1SK = "gsi1sk" // "<number>" / "<agentId>"
	AttrGSI2PK = "gsi2pk" // "LEASE" while a number is leased; "EMERGENCY" while an agent is in one
	AttrGSI2SK = "gsi2sk" // lease expiry / emergency start, epoch seconds (N)
	AttrGSI3PK = "gsi3pk" // "POOL#<country>" on every number; "SITES" on every site
	AttrGSI3SK = "gsi3sk" // "<number>" / "<siteId>"
	AttrTTL    = "ttl"    // epoch seconds (N), calls and notifications only

	// IndexLeasesByAgent lists the numbers leased to an agent, and the
	// agents of a site.
	IndexLeasesByAgent = "gsi1"
	// IndexLeasesByExpiry lists leased numbers by expiry, for the sweep, and
	// agents in an emergency by its start, for the watchdog.
	IndexLeasesByExpiry = "gsi2"
	// IndexPool lists a country's pool, and every site.
	IndexPool = "gsi3"

	// attrVersion is the optimistic lock, the version attribute of every
	// item type but activityItem (items.go tags it; items_test.go checks).
	attrVersion = "version"
	// leasePartition is the one gsi2 partition of leased numbers.
	leasePartition = "LEASE"
	// emergencyPartition is the one gsi2 partition of agents in an emergency.
	emergencyPartition = "EMERGENCY"
	// Prefixes of the gsi1 partitions: the leases of an agent, the agents
	// of a site. They differ, so neither query can return the other's items.
	leasesOfAgentPrefix = "AGENT#"
	agentsOfSitePrefix  = "SITE#"
	// poolPrefix starts the gsi3 partition of each country's numbers;
	// sitesPartition is the one gsi3 partition of the sites.
	poolPrefix     = "POOL#"
	sitesPartition = "SITES"
)

// DefaultMaxAttempts is how many times an update runs its closure against
// conflicting concurrent writes before it fails with mayday.ErrConflict.
const DefaultMaxAttempts = 10

// Store is a mayday.Store kept in one DynamoDB table.
type Store struct {
	client *dynamodb.Client
	table  string
	// MaxAttempts bounds the read-modify-write retries of one update.
	MaxAttempts int
	// seen holds the items this store last wrote, as first guesses.
	seen seenItems
}

var _ mayday.Store = (*Store)(nil)

// New returns a store over the table, which must have the schema
// CreateTable creates. The client is the caller's: the store never loads
// AWS configuration itself.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table, MaxAttempts: DefaultMaxAttempts}
}

// seenItems remembers the items a store wrote, by key, so a warm Lambda's
// next update of the same item can skip its read. Bounded: it is forgotten
// wholesale when full. A stale entry is safe (see update).
type seenItems struct {
	mu    sync.Mutex
	items map[string]map[string]types.AttributeValue
}

const maxSeen = 4096

func seenKey(k map[string]types.AttributeValue) string {
	pk, _ := k[AttrPK].(*types.AttributeValueMemberS)
	sk, _ := k[AttrSK].(*types.AttributeValueMemberS)
	if pk == nil || sk == nil {
		return ""
	}
	return pk.Value + "|" + sk.Value
}

func (s *seenItems) get(k map[string]types.AttributeValue) (map[string]types.AttributeValue, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	item, ok := s.items[seenKey(k)]
	return item, ok
}

func (s *seenItems) forget(k map[string]types.AttributeValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, seenKey(k))
}

func (s *seenItems) put(k, item map[string]types.AttributeValue) {
	if seenKey(k) == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.items == nil || len(s.items) >= maxSeen {
		s.items = map[string]map[string]types.AttributeValue{}
	}
	s.items[seenKey(k)] = item
}

// Forget drops every remembered item, as a fresh Lambda execution
// environment starts with none; the next update of each item reads it first.
func (st *Store) Forget() {
	st.seen.mu.Lock()
	defer st.seen.mu.Unlock()
	st.seen.items = nil
}

// ---------------------------------------------------------------------------
// Records: keys, wire formats (items.go) and derived attributes.

// record describes how one domain type T is kept: its key, its wire format I
// and the conversions to and from it, the attributes derived from it, and
// how to reach its id and version.
type record[T, I any] struct {
	what     string
	key      func(id string) map[string]types.AttributeValue
	toItem   func(v *T) I
	fromItem func(it *I) T
	setID    func(v *T, id string)
	version  func(v *T) *int64
	// derived returns the index and TTL attributes of a value; nil if none.
	derived func(v *T) map[string]types.AttributeValue
	// fresh records are usually created by their first update, so that
	// update first assumes there is no item rather than reading it.
	fresh bool
}

func str(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

// ttl is the TTL attribute for a value that may be deleted after t; none for
// a zero t, which would make DynamoDB delete the item at once.
func ttl(t time.Time) map[string]types.AttributeValue {
	if t.IsZero() {
		return nil
	}
	return map[string]types.AttributeValue{AttrTTL: num(t.Unix())}
}

var (
	agents = record[mayday.Agent, agentItem]{
		what:     "agent",
		key:      func(id string) map[string]types.AttributeValue { return key("AGENT#"+id, "AGENT") },
		toItem:   toAgentItem,
		fromItem: fromAgentItem,
		setID:    func(a *mayday.Agent, id string) { a.ID = id },
		version:  func(a *mayday.Agent) *int64 { return &a.Version },
		derived:  agentIndexes,
	}
	calls = record[mayday.Call, callItem]{
		what:     "call",
		key:      func(id string) map[string]types.AttributeValue { return key("CALL#"+id, "CALL") },
		toItem:   toCallItem,
		fromItem: fromCallItem,
		setID:    func(c *mayday.Call, id string) { c.ID = id },
		version:  func(c *mayday.Call) *int64 { return &c.Version },
		derived:  func(c *mayday.Call) map[string]types.AttributeValue { return ttl(c.ExpiresAt) },
		fresh:    true,
	}
	numbers = record[mayday.CallbackNumber, numberItem]{
		what:     "callback number",
		key:      numberKey,
		toItem:   toNumberItem,
		fromItem: fromNumberItem,
		setID:    func(c *mayday.CallbackNumber, id string) { c.Number = id },
		version:  func(c *mayday.CallbackNumber) *int64 { return &c.Version },
		derived:  numberIndexes,
	}
	sites = record[mayday.Site, siteItem]{
		what:     "site",
		key:      siteKey,
		toItem:   toSiteItem,
		fromItem: fromSiteItem,
		setID:    func(x *mayday.Site, id string) { x.ID = id },
		version:  func(x *mayday.Site) *int64 { return &x.Version },
		derived:  siteIndexes,
	}
	notifications = record[mayday.Notification, notificationItem]{
		what:     "notification",
		key:      func(id string) map[string]types.AttributeValue { return key("NOTIFY#"+id, "NOTIFY") },
		toItem:   toNotificationItem,
		fromItem: fromNotificationItem,
		setID:    func(x *mayday.Notification, id string) { x.CallID = id },
		version:  func(x *mayday.Notification) *int64 { return &x.Version },
		derived:  func(x *mayday.Notification) map[string]types.AttributeValue { return ttl(x.ExpiresAt) },
		fresh:    true,
	}
)

// agentIndexes puts an agent with a home site in its site's list (gsi1),
// and an agent in an emergency in the watchdog's index (gsi2), keyed by when
// the first of its conversations began. A put replaces the whole item, so
// an agent leaves a site's list when its site changes or is cleared.
func agentIndexes(a *mayday.Agent) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{}
	if a.SiteID != "" {
		m[AttrGSI1PK] = str(agentsOfSitePrefix + a.SiteID)
		m[AttrGSI1SK] = str(a.ID)
	}
	if a.InEmergency() {
		m[AttrGSI2PK] = str(emergencyPartition)
		m[AttrGSI2SK] = num(a.Emergency.Since.Unix())
	}
	return m
}

func siteKey(id string) map[string]types.AttributeValue {
	return key("SITE#"+id, "SITE")
}

// siteIndexes puts every site in the one sites partition of gsi3, so that
// ListSites is a query, not a scan.
func siteIndexes(x *mayday.Site) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		AttrGSI3PK: str(sitesPartition),
		AttrGSI3SK: str(x.ID),
	}
}

func numberKey(number string) map[string]types.AttributeValue {
	return key("NUMBER#"+number, "NUMBER")
}

// numberIndexes puts every number in its country's pool (gsi3) and a leased
// one — live or expired, until released — in its holder's list (gsi1) and
// the sweep's expiry index (gsi2). A put replaces the whole item, so the
// lease indexes disappear with the lease.
func numberIndexes(c *mayday.CallbackNumber) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{
		AttrGSI3PK: str(poolPrefix + c.Country),
		AttrGSI3SK: str(c.Number),
	}
	if c.Lease != nil {
		m[AttrGSI1PK] = str(leasesOfAgentPrefix + c.Lease.AgentID)
		m[AttrGSI1SK] = str(c.Number)
		m[AttrGSI2PK] = str(leasePartition)
		m[AttrGSI2SK] = num(c.Lease.ExpiresAt.Unix())
	}
	return m
}

// item is the value as stored: its wire format, its key and its derived
// attributes.
func (r record[T, I]) item(v *T, id string) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(r.toItem(v))
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	maps.Copy(item, r.key(id))
	if r.derived != nil {
		maps.Copy(item, r.derived(v))
	}
	return item, nil
}

// value reads a stored item's wire format; the key and derived attributes
// are ignored.
func (r record[T, I]) value(item map[string]types.AttributeValue) (T, error) {
	var it I
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		var zero T
		return zero, fmt.Errorf("decode: %w", err)
	}
	return r.fromItem(&it), nil
}

// decode reads a stored item, or the zero value when item is nil; the key
// is always set.
func (r record[T, I]) decode(item map[string]types.AttributeValue, id string) (T, error) {
	var v T
	if item != nil {
		var err error
		if v, err = r.value(item); err != nil {
			return v, err
		}
	}
	r.setID(&v, id)
	return v, nil
}

// ---------------------------------------------------------------------------
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
	item, err := st.getItem(ctx, r.key(id))
	if err != nil {
		return zero, fmt.Errorf("%s %s: %w", r.what, id, err)
	}
	if item == nil {
		return zero, fmt.Errorf("%w: %s %s", mayday.ErrNotFound, r.what, id)
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
	var zero T
	k := r.key(id)
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
		if err := fn(&v); err != nil {
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
		current, err := st.putIf(ctx, item, versionIs(stored != nil, read))
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
func (st *Store) putIf(ctx context.Context, item map[string]types.AttributeValue, cond expression.ConditionBuilder) (map[string]types.AttributeValue, error) {
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("condition: %w", err)
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

// ---------------------------------------------------------------------------
// Agents, calls, notifications.

func (st *Store) GetAgent(ctx context.Context, id string) (mayday.Agent, error) {
	return get(ctx, st, agents, id)
}

func (st *Store) UpdateAgent(ctx context.Context, id string, fn func(*mayday.Agent) error) (mayday.Agent, error) {
	return update(ctx, st, agents, id, fn)
}

func (st *Store) GetCall(ctx context.Context, id string) (mayday.Call, error) {
	return get(ctx, st, calls, id)
}

func (st *Store) UpdateCall(ctx context.Context, id string, fn func(*mayday.Call) error) (mayday.Call, error) {
	return update(ctx, st, calls, id, fn)
}

func (st *Store) UpdateNotification(ctx context.Context, callID string, fn func(*mayday.Notification) error) (mayday.Notification, error) {
	return update(ctx, st, notifications, callID, fn)
}

// ---------------------------------------------------------------------------
// The callback pool.

func (st *Store) GetNumber(ctx context.Context, number string) (mayday.CallbackNumber, error) {
	return get(ctx, st, numbers, number)
}

func (st *Store) UpdateNumber(ctx context.Context, number string, fn func(*mayday.CallbackNumber) error) (mayday.CallbackNumber, error) {
	return update(ctx, st, numbers, number, fn)
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
	k := r.key(id)
	for attempt := 1; ; attempt++ {
		stored, err := st.getItem(ctx, k)
		if err != nil {
			return fmt.Errorf("%s %s: %w", r.what, id, err)
		}
		if stored == nil {
			return fmt.Errorf("%w: %s %s", mayday.ErrNotFound, r.what, id)
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

// AgentsInEmergencySince reads gsi2's emergency partition up to t's second,
// then compares the exact start.
func (st *Store) AgentsInEmergencySince(ctx context.Context, t time.Time) ([]mayday.Agent, error) {
	out, err := query(ctx, st, agents, IndexLeasesByExpiry,
		expression.Key(AttrGSI2PK).Equal(expression.Value(emergencyPartition)).
			And(expression.Key(AttrGSI2SK).LessThanEqual(expression.Value(t.Unix()))),
		func(a mayday.Agent) bool { return a.ID != "" && a.InEmergency() && !a.Emergency.Since.After(t) })
	if err != nil {
		return nil, fmt.Errorf("agents in an emergency since %s: %w", t.Format(time.RFC3339), err)
	}
	slices.SortFunc(out, func(a, b mayday.Agent) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// AgentsAtSite reads the site's partition of gsi1. An agent without a site
// is in no such partition, so "" lists none.
func (st *Store) AgentsAtSite(ctx context.Context, siteID string) ([]mayday.Agent, error) {
	if siteID == "" {
		return nil, nil
	}
	out, err := query(ctx, st, agents, IndexLeasesByAgent,
		expression.Key(AttrGSI1PK).Equal(expression.Value(agentsOfSitePrefix+siteID)),
		func(a mayday.Agent) bool { return a.ID != "" && a.SiteID == siteID })
	if err != nil {
		return nil, fmt.Errorf("agents at site %s: %w", siteID, err)
	}
	slices.SortFunc(out, func(a, b mayday.Agent) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
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
	out, err := st.queryNumbers(ctx, IndexLeasesByAgent,
		expression.Key(AttrGSI1PK).Equal(expression.Value(leasesOfAgentPrefix+agentID)),
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

// ---------------------------------------------------------------------------
// Sites.

func (st *Store) GetSite(ctx context.Context, id string) (mayday.Site, error) {
	return get(ctx, st, sites, id)
}

func (st *Store) UpdateSite(ctx context.Context, id string, fn func(*mayday.Site) error) (mayday.Site, error) {
	return update(ctx, st, sites, id, fn)
}

// DeleteSite deletes the site as check saw it: a change in between runs the
// check again on the new value.
func (st *Store) DeleteSite(ctx context.Context, id string, check func(mayday.Site) error) error {
	return deleteIf(ctx, st, sites, id, check)
}

// ListSites reads the one sites partition of gsi3, sorted by id.
func (st *Store) ListSites(ctx context.Context) ([]mayday.Site, error) {
	out, err := query(ctx, st, sites, IndexPool,
		expression.Key(AttrGSI3PK).Equal(expression.Value(sitesPartition)),
		func(x mayday.Site) bool { return x.ID != "" })
	if err != nil {
		return nil, fmt.Errorf("sites: %w", err)
	}
	slices.SortFunc(out, func(a, b mayday.Site) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ---------------------------------------------------------------------------
// Call history.

func historyKey(agentID, callID string) map[string]types.AttributeValue {
	return key("HISTORY#"+agentID, "CALL#"+callID)
}

// activityStored is the activity as stored: its wire format and its key.
func activityStored(a *mayday.Activity) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(toActivityItem(a))
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	maps.Copy(item, historyKey(a.AgentID, a.CallID))
	return item, nil
}

// AddActivity writes the activity unless one with its (AgentID, CallID) is
// there already, which it leaves as it is.
func (st *Store) AddActivity(ctx context.Context, a mayday.Activity) error {
	item, err := activityStored(&a)
	if err != nil {
		return fmt.Errorf("activity %s/%s: %w", a.AgentID, a.CallID, err)
	}
	_, err = st.putIf(ctx, item, expression.AttributeNotExists(expression.Name(AttrPK)))
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("activity %s/%s: put: %w", a.AgentID, a.CallID, err)
	}
	return nil
}

// ListActivities reads the agent's history partition, in call-id order.
func (st *Store) ListActivities(ctx context.Context, agentID string) ([]mayday.Activity, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(AttrPK).Equal(expression.Value("HISTORY#" + agentID)).
			And(expression.Key(AttrSK).BeginsWith("CALL#"))).Build()
	if err != nil {
		return nil, fmt.Errorf("history of agent %s: key condition: %w", agentID, err)
	}
	pages := dynamodb.NewQueryPaginator(st.client, &dynamodb.QueryInput{
		TableName:                 &st.table,
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
	out := []mayday.Activity{}
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("history of agent %s: query: %w", agentID, err)
		}
		var got []activityItem
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &got); err != nil {
			return nil, fmt.Errorf("history of agent %s: decode: %w", agentID, err)
		}
		for i := range got {
			out = append(out, fromActivityItem(&got[i]))
		}
	}
	return out, nil
}
