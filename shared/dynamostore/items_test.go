package dynamostore

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/mayday/mayday/shared/mayday"
)

// These tests need no DynamoDB: they pin the wire format (items.go).
//
// When one fails because a domain field was added or renamed, map it in
// items.go (an attribute name of its own, chosen on purpose), give it a
// value in the fixture below, run
//
//	go test ./shared/dynamostore/ -run TestItemWireFormat -update
//
// and review the change to testdata/items and docs/DYNAMODB.md. A change to
// an existing attribute's name or encoding orphans stored data: it needs a
// migration, not just -update.

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/items from the current wire format")

var (
	t0 = time.Date(2026, 11, 22, 21, 0, 0, 123456789, time.UTC)

	fullAgent = mayday.Agent{
		ID: "a-1",
		Profile: mayday.Profile{
			Name:                 "Ada Lovelace",
			Email:                "ada@example.com",
			Presence:             mayday.DoNotDisturb,
			Country:              "US",
			EmergencyContacts:    []string{"sup@example.com", "desk@example.com"},
			MailboxEnabled:       true,
			OutboundVoiceProfile: true,
			BrowserLocation:      true,
			NumberType:           mayday.NumberDirectRouting,
			DirectRoutingRules:   []string{"rule-1", "rule-2"},
			SiteID:               "s-1",
		},
		Emergency: mayday.EmergencyState{
			Active: []mayday.ActiveCall{
				{CallID: "c-2", Kind: mayday.KindOutbound, StartedAt: t0},
				{CallID: "c-3", Kind: mayday.KindCallback, StartedAt: t0.Add(5 * time.Minute)},
			},
			SavedPresence: mayday.Busy,
			Ended:         []string{"c-1"},
			Since:         t0,
		},
		CallbackNumber:    "+14255550001",
		CallbackExpiresAt: t0.Add(time.Hour),
		Location: &mayday.AgentLocation{
			SiteID: "s-2",
			Address: mayday.Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA",
				PostalCode: "98121", Country: "US", Detail: "unit 4"},
			Detail:         "Home office",
			CallbackNumber: "+12065550142",
			Validated:      true,
			ConfirmedAt:    t0.Add(-time.Hour),
			ExpiresAt:      t0.Add(11 * time.Hour),
		},
		Platform:  mayday.PlatformPresence{DoNotDisturb: true, Previous: "WA0123456789abcdef0123456789abcdef"},
		UpdatedAt: t0.Add(5 * time.Minute),
		Version:   7,
	}
	fullCall = mayday.Call{
		ID:       "c-3",
		Kind:     mayday.KindCallback,
		AgentID:  "a-1",
		From:     "+12065550911",
		To:       "+14255550001",
		Country:  "US",
		Location: "Building 4, floor 2",
		Number:   "911",
		SiteID:   "s-1",
		CallerID: "+14255550001",
		// CallerLease with the lease's end: the fixture sets every field,
		// though a callback (Kind) is not answered with a caller ID.
		CallerIDSource:    mayday.CallerLease,
		CallbackExpiresAt: t0.Add(time.Hour),
		StartedAt:         t0.Add(5 * time.Minute),
		ReceivedAt:        t0.Add(5*time.Minute + 2*time.Second),
		EndedAt:           t0.Add(17 * time.Minute),
		Route: &mayday.RouteDecision{
			Route:    mayday.RouteAgent,
			AgentID:  "a-1",
			Target:   "+14255550199",
			Priority: mayday.PriorityEmergency,
			Bypass:   []string{"routing-rules", "capacity", "presence"},
		},
		ExpiresAt: t0.Add(7 * 24 * time.Hour),
		Version:   2,
	}
	fullNumber = mayday.CallbackNumber{
		Number:  "+14255550001",
		Country: "US",
		SiteID:  "s-1",
		AgentID: "a-1",
		Lease: &mayday.Lease{
			AgentID:   "a-1",
			CallID:    "c-2",
			LeasedAt:  t0,
			ExpiresAt: t0.Add(time.Hour),
		},
		ReleasedAt: t0.Add(-24 * time.Hour),
		AddedAt:    t0.Add(-30 * 24 * time.Hour),
		Version:    12,
	}
	fullSite = mayday.Site{
		ID:      "s-1",
		Name:    "Seattle HQ",
		Country: "US",
		Address: mayday.Address{
			HouseNumber: "400",
			Street:      "Broad St",
			City:        "Seattle",
			Region:      "WA",
			PostalCode:  "98109",
			Country:     "US",
			Detail:      "Building 4, floor 2",
		},
		EmergencyCallbackNumber: "+12065550100",
		Notify:                  []string{"security@example.com", "facilities@example.com"},
		Networks:                []string{"10.1.0.0/16", "2001:db8:1::/48"},
		NotifySMS:               []string{"+12065550150"},
		NotifyWebhook:           "https://hooks.example.com/services/T000/B000/XXXX",
		EscalateAfter:           90 * time.Second,
		Escalate:                []string{"director@example.com", "+12065550160"},
		TestAlerts:              true,
		UpdatedAt:               t0,
		Version:                 4,
	}
	fullNotification = mayday.Notification{
		CallID:    "c-2",
		Status:    mayday.NotificationSent,
		ClaimedAt: t0.Add(time.Second),
		SentAt:    t0.Add(2 * time.Second),
		Attempts:  2,
		Delivered: []string{"desk/email/0", "desk/sms/+12065550150"},
		ExpiresAt: t0.Add(7*24*time.Hour + time.Second),
		Version:   3,
	}
	// fullAlert: every stored field (Link is never stored).
	fullAlert = mayday.Alert{
		ID: "al-0123456789abcdef01234567", CallID: "c-2", Tier: mayday.TierDesk, Test: true, At: t0,
		AgentID: "a-1", AgentName: "Ada Agent", DialedNumber: "911", EmergencyNumber: "911",
		CallerID: "+14255550100", CallerIDSource: mayday.CallerLease, SiteName: "Seattle HQ",
		Address: "1 Main St, Seattle, WA 98101, US", Detail: "Floor 3", ExpiresAt: t0.Add(time.Hour),
		SiteID: "s-1", SentAt: t0.Add(time.Second), AcknowledgedBy: "Desk officer Lee",
		AcknowledgedAt: t0.Add(time.Minute), EscalatedAt: t0.Add(2 * time.Minute), Version: 3,
	}
	fullActivity = mayday.Activity{
		AgentID:   "a-1",
		CallID:    "c-9",
		Direction: "inbound",
		From:      "+14255550123",
		To:        "+14255550100",
		StartedAt: t0.Add(-time.Hour),
		EndedAt:   t0.Add(-50 * time.Minute),
	}
)

// itemCase is one golden file: a domain value, the item stored for it, and
// the value read back from that item.
type itemCase struct {
	name  string
	value any
	// full: every exported field, nested ones included, must be set.
	full   bool
	stored func() (map[string]types.AttributeValue, error)
	// back decodes the stored item as a Get (by key) and as a query (from
	// the item alone) do; each must give value again.
	back func(map[string]types.AttributeValue) ([]any, error)
}

func recordCase[T, I any](name string, r record[T, I], v T, id string, full bool) itemCase {
	return itemCase{
		name: name, value: v, full: full,
		stored: func() (map[string]types.AttributeValue, error) { return r.item(&v, id) },
		back: func(item map[string]types.AttributeValue) ([]any, error) {
			byKey, err := r.decode(item, id)
			if err != nil {
				return nil, err
			}
			alone, err := r.value(item)
			return []any{byKey, alone}, err
		},
	}
}

func activityCase(name string, a mayday.Activity, full bool) itemCase {
	return itemCase{
		name: name, value: a, full: full,
		stored: func() (map[string]types.AttributeValue, error) { return activityStored(&a) },
		back: func(item map[string]types.AttributeValue) ([]any, error) {
			var it activityItem
			err := attributevalue.UnmarshalMap(item, &it)
			return []any{fromActivityItem(&it)}, err
		},
	}
}

// outboxCase is a recorded event as WriteSetup and UpdateCallAnnouncing
// put it, read back as the stream's publisher reads it.
func outboxCase(name string) itemCase {
	e := mayday.OutboxEvent{ID: "c-1/Emergency Call Ended", DetailType: "Emergency Call Ended",
		Detail: []byte(`{"callId":"c-1","agentId":"a-1"}`), CreatedAt: t0, ExpiresAt: t0.Add(48 * time.Hour)}
	st := &Store{table: "mayday", Region: "us-east-1"}
	return itemCase{
		name: name, value: e, full: true,
		stored: func() (map[string]types.AttributeValue, error) {
			puts, err := st.outboxPuts([]mayday.OutboxEvent{e})
			if err != nil {
				return nil, err
			}
			return puts[0].Put.Item, nil
		},
		back: func(item map[string]types.AttributeValue) ([]any, error) {
			got, region, ok, err := OutboxEventOf(item)
			if !ok || region != "us-east-1" {
				return nil, fmt.Errorf("outbox item read back: ok %v, region %q", ok, region)
			}
			return []any{got}, err
		},
	}
}

func itemCases() []itemCase {
	return []itemCase{
		outboxCase("outbox"),
		recordCase("agent", agents, fullAgent, fullAgent.ID, true),
		recordCase("call", calls, fullCall, fullCall.ID, true),
		recordCase("number", numbers, fullNumber, fullNumber.Number, true),
		recordCase("site", sites, fullSite, fullSite.ID, true),
		recordCase("notification", notifications, fullNotification, fullNotification.CallID, true),
		recordCase("alert", alerts, fullAlert, fullAlert.ID, false),
		activityCase("activity", fullActivity, true),
		// Only the key set: which attributes are always written.
		recordCase("agent_minimal", agents, mayday.Agent{ID: "a-0"}, "a-0", false),
		recordCase("call_minimal", calls, mayday.Call{ID: "c-0"}, "c-0", false),
		recordCase("number_minimal", numbers, mayday.CallbackNumber{Number: "+14255550000"}, "+14255550000", false),
		recordCase("site_minimal", sites, mayday.Site{ID: "s-0"}, "s-0", false),
		recordCase("notification_minimal", notifications, mayday.Notification{CallID: "c-0"}, "c-0", false),
		activityCase("activity_minimal", mayday.Activity{AgentID: "a-0", CallID: "c-0"}, false),
	}
}

// TestItemWireFormat pins each kind of item as PutItem writes it — the
// domain value converted to its item type and marshalled with
// attributevalue.MarshalMap, plus the key, index and TTL attributes — to
// testdata/items/<kind>.json, and checks that the item reads back as the
// value it came from.
func TestItemWireFormat(t *testing.T) {
	for _, tc := range itemCases() {
		t.Run(tc.name, func(t *testing.T) {
			if tc.full {
				if unset := unsetFields(reflect.ValueOf(tc.value), reflect.TypeOf(tc.value).Name()); len(unset) > 0 {
					t.Errorf("the fixture leaves %s unset: give every field a value (and map any new one in items.go)",
						strings.Join(unset, ", "))
				}
			}
			item, err := tc.stored()
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(plain(item), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "items", tc.name+".json")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				var wantV any
				_ = json.Unmarshal(want, &wantV)
				var gotV any
				_ = json.Unmarshal(got, &gotV)
				t.Errorf("stored item differs from %s: %s\n(a renamed attribute orphans stored data; if the change is "+
					"intended, run with -update and update docs/DYNAMODB.md)\ngot:\n%s\nwant:\n%s",
					golden, strings.Join(jsonDiff("", gotV, wantV), "; "), got, want)
			}

			backs, err := tc.back(item)
			if err != nil {
				t.Fatal(err)
			}
			for i, back := range backs {
				if !reflect.DeepEqual(back, tc.value) {
					t.Errorf("read back (%d) as\n %+v\nwant\n %+v", i, back, tc.value)
				}
			}
		})
	}
}

// TestVersionAttribute: the optimistic lock's condition names attrVersion;
// every versioned item must store its version there.
func TestVersionAttribute(t *testing.T) {
	for _, tc := range itemCases() {
		if strings.HasPrefix(tc.name, "activity") || tc.name == "outbox" || !tc.full { // written once, never updated
			continue
		}
		item, err := tc.stored()
		if err != nil {
			t.Fatal(err)
		}
		want := reflect.ValueOf(tc.value).FieldByName("Version").Int()
		if n, ok := item[attrVersion].(*types.AttributeValueMemberN); !ok || n.Value != fmt.Sprint(want) {
			t.Errorf("%s: %s = %#v, want the number %d", tc.name, attrVersion, item[attrVersion], want)
		}
	}
}

// TestItemTypesNameEveryAttribute: every field of every item type, nested
// ones included, names its attribute in a dynamodbav tag.
func TestItemTypesNameEveryAttribute(t *testing.T) {
	timeType := reflect.TypeFor[time.Time]()
	seen := map[reflect.Type]bool{}
	var check func(reflect.Type)
	check = func(typ reflect.Type) {
		for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == timeType || seen[typ] {
			return
		}
		seen[typ] = true
		names := map[string]bool{}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("dynamodbav"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s.%s has no attribute name", typ.Name(), f.Name)
			}
			if names[name] {
				t.Errorf("%s: attribute %q twice", typ.Name(), name)
			}
			names[name] = true
			if slices.Contains([]string{AttrPK, AttrSK, AttrGSI1PK, AttrGSI1SK, AttrGSI2PK, AttrGSI2SK, AttrGSI3PK, AttrGSI3SK, AttrTTL}, name) {
				t.Errorf("%s.%s takes the key/index attribute name %q", typ.Name(), f.Name, name)
			}
			check(f.Type)
		}
	}
	for _, v := range []any{agentItem{}, callItem{}, numberItem{}, siteItem{}, notificationItem{}, alertItem{}, activityItem{}, outboxItem{}} {
		check(reflect.TypeOf(v))
	}
}

// unsetFields lists the exported fields under v that hold a zero value: nil
// pointers, empty slices (and their elements' fields), zero scalars and
// times.
func unsetFields(v reflect.Value, path string) []string {
	if v.Type() == reflect.TypeFor[time.Time]() {
		if v.Interface().(time.Time).IsZero() {
			return []string{path}
		}
		return nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return []string{path}
		}
		return unsetFields(v.Elem(), path)
	case reflect.Struct:
		var out []string
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				out = append(out, unsetFields(v.Field(i), path+"."+f.Name)...)
			}
		}
		return out
	case reflect.Slice, reflect.Array, reflect.Map:
		if v.Len() == 0 {
			return []string{path}
		}
		if v.Kind() == reflect.Map {
			return nil
		}
		var out []string
		for i := range v.Len() {
			out = append(out, unsetFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	}
	if v.IsZero() {
		return []string{path}
	}
	return nil
}

// jsonDiff lists the paths at which two decoded JSON values differ.
func jsonDiff(path string, got, want any) []string {
	g, gok := got.(map[string]any)
	w, wok := want.(map[string]any)
	if !gok || !wok {
		if !reflect.DeepEqual(got, want) {
			return []string{fmt.Sprintf("%s = %v, want %v", cmp.Or(path, "item"), got, want)}
		}
		return nil
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(g)) {
		if _, ok := w[k]; !ok {
			out = append(out, "unexpected "+path+k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if _, ok := g[k]; !ok {
			out = append(out, "missing "+path+k)
		} else {
			out = append(out, jsonDiff(path+k+".", g[k], w[k])...)
		}
	}
	return out
}

// plain is an item as a readable JSON value: S a string, N a number as
// written, BOOL, NULL, L and M as themselves; any other type is tagged
// with its DynamoDB type name so that a change to it shows.
func plain(av any) any {
	switch v := av.(type) {
	case map[string]types.AttributeValue:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = plain(x)
		}
		return m
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return json.Number(v.Value)
	case *types.AttributeValueMemberBOOL:
		return v.Value
	case *types.AttributeValueMemberNULL:
		return nil
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, x := range v.Value {
			l[i] = plain(x)
		}
		return l
	case *types.AttributeValueMemberM:
		return plain(v.Value)
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": v.Value}
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": v.Value}
	}
	return map[string]any{"unknown": fmt.Sprintf("%T", av)}
}
