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
	"sync"

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

	// The partition-key prefixes of the table's items, one per kind: an
	// item's pk is its prefix and its id. The stack's IAM policies name the
	// kinds each function may touch (dynamodb:LeadingKeys), so a prefix
	// is part of the table's contract, like an attribute name.
	AgentPartition        = "AGENT#"
	CallPartition         = "CALL#"
	NumberPartition       = "NUMBER#"
	SitePartition         = "SITE#"
	NotificationPartition = "NOTIFY#"
	HistoryPartition      = "HISTORY#"
	AlertPartition        = "ALERT#"

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
	// alertsPartition is the one gsi2 partition of alerts, by expiry.
	alertsPartition = "ALERT"
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
	// Region is written into every outbox item: the region whose
	// publisher publishes it (the client's region by default).
	Region string
	// seen holds the items this store last wrote, as first guesses.
	seen seenItems
}

var _ mayday.Store = (*Store)(nil)

// New returns a store over the table, which must have the schema
// CreateTable creates. The client is the caller's: the store never loads
// AWS configuration itself.
func New(client *dynamodb.Client, table string) *Store {
	return &Store{client: client, table: table, MaxAttempts: DefaultMaxAttempts, Region: client.Options().Region}
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
