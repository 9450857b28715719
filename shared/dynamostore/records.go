package dynamostore

import (
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/mayday/mayday/shared/mayday"
)

// Records: keys, wire formats (items.go) and derived attributes.

// record describes how one domain type T is kept: its key, its wire format I
// and the conversions to and from it, the attributes derived from it, and
// how to reach its id and version.
type record[T, I any] struct {
	what string
	// validID refuses an id the embedded store refuses too (mayday.ValidID
	// or ValidE164): DynamoDB itself refuses only some (empty, too long).
	validID func(id string) error
	// validValue (nil: none) refuses a value whose other ids are not such
	// ids: they key its index entries.
	validValue func(v *T) error
	// makeKey is the key of a valid id; key checks the id first.
	makeKey  func(id string) map[string]types.AttributeValue
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

// The ids each key is: the stores refuse exactly the ids the domain does.
func validAgentID(id string) error { return mayday.ValidID("agentId", id) }
func validCallID(id string) error  { return mayday.ValidID("callId", id) }
func validSiteID(id string) error  { return mayday.ValidID("siteId", id) }
func validNumber(n string) error   { return mayday.ValidE164("number", n) }

// key is the key of id, once id is valid. Its error does not echo id.
func (r record[T, I]) key(id string) (map[string]types.AttributeValue, error) {
	if err := r.validID(id); err != nil {
		return nil, fmt.Errorf("%s: %w", r.what, err)
	}
	return r.makeKey(id), nil
}

// partition is the index partition prefix+id, once id is valid: the agents
// at a site (agentsOfSitePrefix, validSiteID), the numbers an agent holds
// (leasesOfAgentPrefix, validAgentID), an agent's history (HistoryPartition).
func partition(prefix string, valid func(string) error, id string) (string, error) {
	if err := valid(id); err != nil {
		return "", err // it names the field
	}
	return prefix + id, nil
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
		what:       "agent",
		validID:    validAgentID,
		validValue: func(a *mayday.Agent) error { return a.ValidStoredIDs() },
		makeKey:    func(id string) map[string]types.AttributeValue { return key(AgentPartition+id, "AGENT") },
		toItem:     toAgentItem,
		fromItem:   fromAgentItem,
		setID:      func(a *mayday.Agent, id string) { a.ID = id },
		version:    func(a *mayday.Agent) *int64 { return &a.Version },
		derived:    agentIndexes,
	}
	calls = record[mayday.Call, callItem]{
		what:     "call",
		validID:  validCallID,
		makeKey:  func(id string) map[string]types.AttributeValue { return key(CallPartition+id, "CALL") },
		toItem:   toCallItem,
		fromItem: fromCallItem,
		setID:    func(c *mayday.Call, id string) { c.ID = id },
		version:  func(c *mayday.Call) *int64 { return &c.Version },
		derived:  func(c *mayday.Call) map[string]types.AttributeValue { return ttl(c.ExpiresAt) },
		fresh:    true,
	}
	numbers = record[mayday.CallbackNumber, numberItem]{
		what:       "callback number",
		validID:    validNumber,
		validValue: func(n *mayday.CallbackNumber) error { return n.ValidStoredIDs() },
		makeKey:    numberKey,
		toItem:     toNumberItem,
		fromItem:   fromNumberItem,
		setID:      func(c *mayday.CallbackNumber, id string) { c.Number = id },
		version:    func(c *mayday.CallbackNumber) *int64 { return &c.Version },
		derived:    numberIndexes,
	}
	sites = record[mayday.Site, siteItem]{
		what:     "site",
		validID:  validSiteID,
		makeKey:  siteKey,
		toItem:   toSiteItem,
		fromItem: fromSiteItem,
		setID:    func(x *mayday.Site, id string) { x.ID = id },
		version:  func(x *mayday.Site) *int64 { return &x.Version },
		derived:  siteIndexes,
	}
	notifications = record[mayday.Notification, notificationItem]{
		what:     "notification",
		validID:  validCallID,
		makeKey:  func(id string) map[string]types.AttributeValue { return key(NotificationPartition+id, "NOTIFY") },
		toItem:   toNotificationItem,
		fromItem: fromNotificationItem,
		setID:    func(x *mayday.Notification, id string) { x.CallID = id },
		version:  func(x *mayday.Notification) *int64 { return &x.Version },
		derived:  func(x *mayday.Notification) map[string]types.AttributeValue { return ttl(x.ExpiresAt) },
		fresh:    true,
	}
	alerts = record[mayday.Alert, alertItem]{
		what:       "alert",
		validID:    func(id string) error { return mayday.ValidID("alertId", id) },
		validValue: func(a *mayday.Alert) error { return mayday.ValidOptionalID("siteId", a.SiteID) },
		makeKey:    func(id string) map[string]types.AttributeValue { return key(AlertPartition+id, "ALERT") },
		toItem:     toAlertItem,
		fromItem:   fromAlertItem,
		setID:      func(x *mayday.Alert, id string) { x.ID = id },
		version:    func(x *mayday.Alert) *int64 { return &x.Version },
		derived:    alertIndexes,
		fresh:      true,
	}
)

// alertRetention is how long an alert is kept after its link expires.
const alertRetention = 7 * 24 * time.Hour

// alertIndexes puts an alert in gsi2's alerts partition by its link's
// expiry, so that the live alerts are one query; acknowledged ones stay
// there, since the desk shows who acknowledged until the link expires.
func alertIndexes(a *mayday.Alert) map[string]types.AttributeValue {
	m := ttl(a.ExpiresAt.Add(alertRetention))
	if m == nil || a.ExpiresAt.IsZero() {
		m = map[string]types.AttributeValue{}
	}
	if !a.ExpiresAt.IsZero() {
		m[AttrGSI2PK] = str(alertsPartition)
		m[AttrGSI2SK] = num(a.ExpiresAt.Unix())
	}
	return m
}

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
	return key(SitePartition+id, "SITE")
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
	return key(NumberPartition+number, "NUMBER")
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
// attributes. It refuses an invalid id or a value with invalid ids.
func (r record[T, I]) item(v *T, id string) (map[string]types.AttributeValue, error) {
	k, err := r.key(id)
	if err != nil {
		return nil, err
	}
	if r.validValue != nil {
		if err := r.validValue(v); err != nil {
			return nil, fmt.Errorf("%s: %w", r.what, err)
		}
	}
	item, err := attributevalue.MarshalMap(r.toItem(v))
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	maps.Copy(item, k)
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
