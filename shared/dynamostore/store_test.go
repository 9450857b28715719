package dynamostore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/integration"
	"github.com/mayday/mayday/shared/testkit/storetest"
)

var (
	clientOnce sync.Once
	client     *dynamodb.Client
	clientErr  error
)

// features are what DynamoDB guarantees in AWS, not merely what DynamoDB
// Local happens to do: the pool and watchdog queries read global secondary
// indexes, which are eventually consistent (Local's are not), and an update
// gives up with mayday.ErrConflict after Store.MaxAttempts lost races.
var features = storetest.Features{
	ConsistentIndexes: false,
	UnboundedRetries:  false,
}

// localClient is a client for DynamoDB Local at AWS_ENDPOINT_URL_DYNAMODB.
// Without it the test is skipped, or fails when MAYDAY_REQUIRE_INTEGRATION=1
// (see package integration).
func localClient(t *testing.T) *dynamodb.Client {
	t.Helper()
	integration.Endpoint(t, "AWS_ENDPOINT_URL_DYNAMODB")
	clientOnce.Do(func() {
		cfg, err := awsclients.Load(context.Background())
		if err != nil {
			clientErr = err
			return
		}
		// DynamoDB Local's error responses carry no CRC32 header.
		client = dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	})
	if clientErr != nil {
		t.Fatal(clientErr)
	}
	return client
}

// newTable creates a fresh table with a random name, deleted after the test.
func newTable(t *testing.T) (*dynamodb.Client, string) {
	t.Helper()
	return newTableOf(t, "mayday-test-", dynamostore.CreateTable)
}

// newTableOf creates a table with create, named prefix and a random
// suffix, and deletes it when the test ends.
func newTableOf(t *testing.T, prefix string, create func(context.Context, *dynamodb.Client, string) error) (*dynamodb.Client, string) {
	t.Helper()
	c := localClient(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	table := prefix + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := create(ctx, c, table); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table}); err != nil {
			t.Logf("delete table %s: %v", table, err)
		}
	})
	return c, table
}

func newStore(t *testing.T) *dynamostore.Store {
	c, table := newTable(t)
	return dynamostore.New(c, table)
}

func TestStoreContract(t *testing.T) {
	localClient(t)
	storetest.Run(t, func(t *testing.T) mayday.Store { return newStore(t) }, features)
}

func rawItem(t *testing.T, c *dynamodb.Client, table, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := c.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      &table,
		ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberS{Value: sk},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Item) == 0 {
		t.Fatalf("no item %s/%s", pk, sk)
	}
	return out.Item
}

func attrS(item map[string]types.AttributeValue, name string) (string, bool) {
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

func attrN(t *testing.T, item map[string]types.AttributeValue, name string) (int64, bool) {
	t.Helper()
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		t.Fatalf("%s = %q: %v", name, v.Value, err)
	}
	return i, true
}

// TestItemLayout pins the item keys, the TTL attribute and the index
// attributes that the CDK stack and docs/DYNAMODB.md describe.
func TestItemLayout(t *testing.T) {
	c, table := newTable(t)
	st := dynamostore.New(c, table)
	ctx := context.Background()
	now := time.Now().UTC()
	expires := now.Add(7*24*time.Hour + 700*time.Millisecond)

	if _, err := st.UpdateCall(ctx, "c-1", func(x *mayday.Call) error { x.Kind, x.ExpiresAt = mayday.KindOutbound, expires; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateCall(ctx, "c-0", func(x *mayday.Call) error { x.EndedAt = now; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateNotification(ctx, "c-1", func(x *mayday.Notification) error { return x.Claim(now) }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error { a.Name = "Ada"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
		n.Country = "US"
		n.Lease = &mayday.Lease{AgentID: "a-1", CallID: "c-1", LeasedAt: now, ExpiresAt: now.Add(time.Hour)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddActivity(ctx, mayday.Activity{AgentID: "a-1", CallID: "c-7", Direction: "outbound", EndedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateSite(ctx, "s-1", func(x *mayday.Site) error { x.Name, x.Country = "HQ", "US"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateAgent(ctx, "a-2", func(a *mayday.Agent) error { a.SiteID = "s-1"; return nil }); err != nil {
		t.Fatal(err)
	}

	t.Run("TTL", func(t *testing.T) {
		for _, tc := range []struct {
			pk, sk string
			want   int64
		}{
			{"CALL#c-1", "CALL", expires.Unix()},
			{"NOTIFY#c-1", "NOTIFY", now.Add(7 * 24 * time.Hour).Unix()},
		} {
			got, ok := attrN(t, rawItem(t, c, table, tc.pk, tc.sk), "ttl")
			if !ok || got != tc.want {
				t.Errorf("%s: ttl = %d (set %v), want %d epoch seconds", tc.pk, got, ok, tc.want)
			}
		}
		for _, k := range [][2]string{
			{"CALL#c-0", "CALL"}, // no ExpiresAt: no ttl rather than "expired in year 1"
			{"AGENT#a-1", "AGENT"},
			{"NUMBER#+14255550001", "NUMBER"},
			{"HISTORY#a-1", "CALL#c-7"},
			{"SITE#s-1", "SITE"},
		} {
			if v, ok := rawItem(t, c, table, k[0], k[1])["ttl"]; ok {
				t.Errorf("%s has ttl %v, want none", k[0], v)
			}
		}
	})

	t.Run("SiteIndexes", func(t *testing.T) {
		// Every site is in gsi3's one sites partition, and in no other index.
		item := rawItem(t, c, table, "SITE#s-1", "SITE")
		for name, want := range map[string]string{"gsi3pk": "SITES", "gsi3sk": "s-1"} {
			if got, _ := attrS(item, name); got != want {
				t.Errorf("site: %s = %q, want %q", name, got, want)
			}
		}
		for _, name := range []string{"gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"} {
			if v, ok := item[name]; ok {
				t.Errorf("site has %s = %v", name, v)
			}
		}
	})

	t.Run("AgentSiteIndex", func(t *testing.T) {
		// An agent with a site is in its site's gsi1 partition; one without
		// is in none, and leaves it when its site is cleared.
		item := rawItem(t, c, table, "AGENT#a-2", "AGENT")
		for name, want := range map[string]string{"gsi1pk": "SITE#s-1", "gsi1sk": "a-2", "siteId": "s-1"} {
			if got, _ := attrS(item, name); got != want {
				t.Errorf("agent at a site: %s = %q, want %q", name, got, want)
			}
		}
		for _, id := range []string{"a-1", "a-2"} {
			if id == "a-2" {
				if _, err := st.UpdateAgent(ctx, id, func(a *mayday.Agent) error { a.SiteID = ""; return nil }); err != nil {
					t.Fatal(err)
				}
			}
			item := rawItem(t, c, table, "AGENT#"+id, "AGENT")
			for _, name := range []string{"gsi1pk", "gsi1sk", "siteId"} {
				if v, ok := item[name]; ok {
					t.Errorf("agent %s without a site has %s = %v", id, name, v)
				}
			}
		}
	})

	t.Run("NumberIndexes", func(t *testing.T) {
		item := rawItem(t, c, table, "NUMBER#+14255550001", "NUMBER")
		for name, want := range map[string]string{
			"gsi1pk": "AGENT#a-1", "gsi1sk": "+14255550001",
			"gsi2pk": "LEASE",
			"gsi3pk": "POOL#US", "gsi3sk": "+14255550001",
		} {
			if got, _ := attrS(item, name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
		if got, _ := attrN(t, item, "gsi2sk"); got != now.Add(time.Hour).Unix() {
			t.Errorf("gsi2sk = %d, want the lease expiry %d", got, now.Add(time.Hour).Unix())
		}
		// Released: out of gsi1 and gsi2, still in its pool.
		if _, err := st.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
			n.Lease, n.ReleasedAt = nil, now
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		item = rawItem(t, c, table, "NUMBER#+14255550001", "NUMBER")
		for _, name := range []string{"gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"} {
			if v, ok := item[name]; ok {
				t.Errorf("released number still has %s = %v", name, v)
			}
		}
		if got, _ := attrS(item, "gsi3pk"); got != "POOL#US" {
			t.Errorf("released number: gsi3pk = %q, want POOL#US", got)
		}
	})
}

// TestExpiredLeaseReadTime: DynamoDB deletes expired items lazily (hours
// late), and never pool numbers at all: an expired lease is still stored and
// indexed, and only the read-time comparison with now tells it is not live.
func TestExpiredLeaseReadTime(t *testing.T) {
	c, table := newTable(t)
	st := dynamostore.New(c, table)
	ctx := context.Background()
	now := time.Now().UTC()
	expired := now.Add(-90 * time.Minute)

	if _, err := st.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
		n.Country = "US"
		n.Lease = &mayday.Lease{AgentID: "a-1", CallID: "c-1", LeasedAt: expired.Add(-time.Hour), ExpiresAt: expired}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A call record past its ttl is still there until TTL gets to it.
	if _, err := st.UpdateCall(ctx, "c-1", func(x *mayday.Call) error { x.ExpiresAt = expired; return nil }); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := attrN(t, rawItem(t, c, table, "CALL#c-1", "CALL"), "ttl"); ttl != expired.Unix() {
		t.Errorf("call ttl = %d, want %d", ttl, expired.Unix())
	}
	if _, err := st.GetCall(ctx, "c-1"); err != nil {
		t.Errorf("call past its ttl: %v; the store returns what is stored", err)
	}

	n, err := st.GetNumber(ctx, "+14255550001")
	if err != nil {
		t.Fatal(err)
	}
	if n.Lease == nil {
		t.Fatal("expired lease not stored any more")
	}
	if _, live := n.LiveLease(now); live {
		t.Error("an expired lease reads as live")
	}
	features.IndexRead(t, "LeasesExpiringBy(now)", func() string {
		due, err := st.LeasesExpiringBy(ctx, now)
		if err != nil || len(due) != 1 || due[0].Number != "+14255550001" {
			return fmt.Sprintf("= %+v, %v; want the expired lease", due, err)
		}
		return ""
	})
	features.IndexRead(t, "LeasesHeldBy(a-1)", func() string {
		held, err := st.LeasesHeldBy(ctx, "a-1")
		if err != nil || len(held) != 1 {
			return fmt.Sprintf("= %+v, %v; want the expired, unreleased lease", held, err)
		}
		return ""
	})
	// The sweep releases it; it leaves both lease indexes.
	if _, err := st.UpdateNumber(ctx, "+14255550001", func(n *mayday.CallbackNumber) error {
		if _, ok := n.Release(now); !ok {
			return mayday.ErrNoChange
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	features.IndexRead(t, "after release LeasesExpiringBy", func() string {
		if due, err := st.LeasesExpiringBy(ctx, now); err != nil || len(due) != 0 {
			return fmt.Sprintf("= %+v, %v; want none", due, err)
		}
		return ""
	})
	features.IndexRead(t, "after release LeasesHeldBy", func() string {
		if held, err := st.LeasesHeldBy(ctx, "a-1"); err != nil || len(held) != 0 {
			return fmt.Sprintf("= %+v, %v; want none", held, err)
		}
		return ""
	})
}

// TestConflictGivesUp: an item that changes under every attempt makes the
// update fail with mayday.ErrConflict after MaxAttempts runs of the closure.
func TestConflictGivesUp(t *testing.T) {
	st := newStore(t)
	st.MaxAttempts = 4
	ctx := context.Background()
	runs := 0
	_, err := st.UpdateAgent(ctx, "a-1", func(a *mayday.Agent) error {
		runs++
		if _, err := st.UpdateAgent(ctx, "a-1", func(b *mayday.Agent) error { b.Name += "x"; return nil }); err != nil {
			t.Fatal(err)
		}
		a.Name = "lost"
		return nil
	})
	if !errors.Is(err, mayday.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	// After each lost race the store may retry once on the item the failed
	// write returned before it counts the next attempt.
	if runs < 4 || runs > 2*4 {
		t.Errorf("closure ran %d times, want MaxAttempts (4) races", runs)
	}
	a, err := st.GetAgent(ctx, "a-1")
	if err != nil || a.Name != strings.Repeat("x", runs) || a.Version != int64(runs) {
		t.Errorf("agent = %+v, %v; want only the %d competing writes", a, err, runs)
	}
}

// TestCreateTable pins the schema the CDK stack must match, and that
// CreateTable may run against an existing table.
func TestCreateTable(t *testing.T) {
	c, table := newTable(t)
	ctx := context.Background()
	if err := dynamostore.CreateTable(ctx, c, table); err != nil {
		t.Fatalf("second CreateTable: %v", err)
	}
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Table
	if d.TableStatus != types.TableStatusActive {
		t.Errorf("status %s", d.TableStatus)
	}
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
	}
	keys := func(ks []types.KeySchemaElement) string {
		var s string
		for _, k := range ks {
			s += aws.ToString(k.AttributeName) + ":" + string(k.KeyType) + " "
		}
		return s
	}
	if got := keys(d.KeySchema); got != "pk:HASH sk:RANGE " {
		t.Errorf("key schema %q", got)
	}
	attrTypes := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		attrTypes[aws.ToString(a.AttributeName)] = a.AttributeType
	}
	wantGSI := map[string]string{
		"gsi1": "gsi1pk:HASH gsi1sk:RANGE ",
		"gsi2": "gsi2pk:HASH gsi2sk:RANGE ",
		"gsi3": "gsi3pk:HASH gsi3sk:RANGE ",
	}
	if len(d.GlobalSecondaryIndexes) != len(wantGSI) {
		t.Errorf("%d GSIs, want %d", len(d.GlobalSecondaryIndexes), len(wantGSI))
	}
	for _, g := range d.GlobalSecondaryIndexes {
		name := aws.ToString(g.IndexName)
		if got := keys(g.KeySchema); got != wantGSI[name] {
			t.Errorf("GSI %s keys %q, want %q", name, got, wantGSI[name])
		}
		if g.Projection == nil || g.Projection.ProjectionType != types.ProjectionTypeAll {
			t.Errorf("GSI %s projection %+v, want ALL", name, g.Projection)
		}
	}
	for name, want := range map[string]types.ScalarAttributeType{
		"pk": "S", "sk": "S", "gsi1pk": "S", "gsi1sk": "S", "gsi2pk": "S", "gsi2sk": "N", "gsi3pk": "S", "gsi3sk": "S",
	} {
		if attrTypes[name] != want {
			t.Errorf("attribute %s type %q, want %q", name, attrTypes[name], want)
		}
	}
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil {
		t.Fatal(err)
	}
	if d := ttl.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != "ttl" || d.TimeToLiveStatus != types.TimeToLiveStatusEnabled {
		t.Errorf("TTL %+v, want enabled on ttl", ttl.TimeToLiveDescription)
	}
}
