package twilionumbers_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
	"github.com/mayday/mayday/shared/testkit/twiliotest"
	"github.com/mayday/mayday/shared/twilionumbers"
)

const (
	poolA   = "+14255550001"
	poolB   = "+14255550002"
	ecbn    = "+14255550100"
	own     = "+12065550142"
	usDef   = "+12065550100"
	gbDef   = "+442071230000"
	foreign = "+14255550999" // not the account's
)

func registry(t *testing.T, f *twiliotest.Numbers, token string) *twilionumbers.Registry {
	t.Helper()
	r, err := twilionumbers.New(twilionumbers.Config{AccountSID: f.AccountSID, BaseURL: f.URL,
		AuthToken: func(context.Context) ([][]byte, error) { return [][]byte{[]byte(token)}, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The adapter against the fake of Twilio's REST API: what it asks, and
// what it makes of the documented answers.
func TestUnregistered(t *testing.T) {
	pending := twiliotest.Registered(poolB)
	pending.EmergencyAddressStatus = "pending-registration"
	inactive := twiliotest.Registered(ecbn)
	inactive.EmergencyStatus = "Inactive"
	for _, tc := range []struct {
		name    string
		account []twiliotest.Number
		ask     []string
		want    []string
	}{
		{"all registered", []twiliotest.Number{twiliotest.Registered(poolA), twiliotest.Registered(poolB)}, []string{poolA, poolB}, nil},
		{"no address", []twiliotest.Number{twiliotest.Registered(poolA), twiliotest.Unregistered(poolB)}, []string{poolA, poolB}, []string{poolB}},
		{"not the account's", []twiliotest.Number{twiliotest.Registered(poolA)}, []string{foreign, poolA}, []string{foreign}},
		{"registration pending", []twiliotest.Number{pending}, []string{poolB}, []string{poolB}},
		{"emergency calling inactive", []twiliotest.Number{inactive}, []string{ecbn}, []string{ecbn}},
		{"a longer number holding the one asked is another number", []twiliotest.Number{twiliotest.Registered(poolA + "9")},
			[]string{poolA}, []string{poolA}},
		{"nothing asked", nil, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := twiliotest.NewNumbers(t, tc.account...)
			got, err := registry(t, f, f.AuthToken).Unregistered(context.Background(), tc.ask)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("unregistered %v, want %v", got, tc.want)
			}
			reqs := f.Requests()
			if len(reqs) != len(tc.ask) {
				t.Fatalf("%d requests for %d numbers", len(reqs), len(tc.ask))
			}
			for i, q := range reqs {
				if q.Get("PhoneNumber") != tc.ask[i] || q.Get("PageSize") == "" {
					t.Errorf("request %d: %v", i, q)
				}
			}
		})
	}
}

// Twilio refusing or failing is an error, which names no phone number.
func TestUnregisteredFailures(t *testing.T) {
	f := twiliotest.NewNumbers(t, twiliotest.Registered(poolA))
	if _, err := registry(t, f, strings.Repeat("f", 32)).Unregistered(context.Background(), []string{poolA}); err == nil ||
		!strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "4255550001") {
		t.Errorf("wrong token: %v", err)
	}
	f.FailNext(1)
	if _, err := registry(t, f, f.AuthToken).Unregistered(context.Background(), []string{poolA}); err == nil ||
		!strings.Contains(err.Error(), "503") {
		t.Errorf("outage: %v", err)
	}
	r, _ := twilionumbers.New(twilionumbers.Config{AccountSID: f.AccountSID, BaseURL: "http://127.0.0.1:1",
		AuthToken: func(context.Context) ([][]byte, error) { return [][]byte{[]byte(f.AuthToken)}, nil }})
	if _, err := r.Unregistered(context.Background(), []string{poolA}); err == nil || strings.Contains(err.Error(), "4255550001") {
		t.Errorf("unreachable: %v", err)
	}
	r, _ = twilionumbers.New(twilionumbers.Config{AccountSID: f.AccountSID, BaseURL: f.URL,
		AuthToken: func(context.Context) ([][]byte, error) { return nil, errors.New("secrets manager down") }})
	if _, err := r.Unregistered(context.Background(), []string{poolA}); err == nil || !strings.Contains(err.Error(), "secrets manager down") {
		t.Errorf("token unreadable: %v", err)
	}
	if _, err := twilionumbers.New(twilionumbers.Config{}); !errors.Is(err, mayday.ErrMissingDependency) {
		t.Errorf("empty config: %v", err)
	}
}

func TestEmergencyCalling(t *testing.T) {
	r := registry(t, twiliotest.NewNumbers(t), "x")
	for c, want := range map[string]bool{"US": true, "CA": true, "GB": true, "UK": true, "DK": false, "": false} {
		if r.EmergencyCalling(c) != want {
			t.Errorf("EmergencyCalling(%q) = %v", c, !want)
		}
	}
}

// The readiness report, with Twilio's registry: every number a dial of
// the agent may present has its emergency address registered, every
// callback number of the agent's pool a Voice Fallback URL, and Twilio
// calls emergency services from where the agent works.
func TestReadinessWithTwilio(t *testing.T) {
	everything := []twiliotest.Number{twiliotest.Registered(poolA), twiliotest.Registered(poolB), twiliotest.Registered(ecbn),
		twiliotest.Registered(own), twiliotest.Registered(usDef), twiliotest.Registered(gbDef)}
	but := func(n string) []twiliotest.Number {
		return slices.DeleteFunc(slices.Clone(everything), func(x twiliotest.Number) bool { return x.PhoneNumber == n })
	}
	ready := mayday.Profile{Name: "Ada", Country: "US", EmergencyContacts: []string{"sup@example.com"}, MailboxEnabled: true,
		OutboundVoiceProfile: true, BrowserLocation: true, NumberType: mayday.NumberDirectOffer, SiteID: "sea"}
	remote := ready
	remote.SiteID = ""
	dk := ready
	dk.SiteID, dk.Country = "", "DK"
	home := mayday.AgentLocation{Address: mayday.Address{HouseNumber: "2121", Street: "7th Ave", City: "Seattle", Region: "WA",
		PostalCode: "98121", Country: "US"}, CallbackNumber: own}
	noFallback := func(n string) []twiliotest.Number {
		out := slices.Clone(everything)
		for i := range out {
			if out[i].PhoneNumber == n {
				out[i].VoiceFallbackURL = ""
			}
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		profile  mayday.Profile
		location *mayday.AgentLocation
		account  []twiliotest.Number
		down     bool
		failing  map[string]string // check → what its fix says
	}{
		{"at a site, every number registered", ready, nil, everything, false, nil},
		{"the site's ECBN without an address", ready, nil, but(ecbn), false, map[string]string{"emergencyAddresses": ecbn}},
		{"the default caller ID without an address", ready, nil, but(usDef), false, map[string]string{"emergencyAddresses": usDef}},
		{"another country's default is not presented", ready, nil, but(gbDef), false, nil},
		{"remote, own number registered", remote, &home, everything, false, nil},
		{"remote, own number without an address", remote, &home, but(own), false, map[string]string{"emergencyAddresses": own}},
		{"a DK agent", dk, nil, everything, false, map[string]string{"platformEmergencyCalling": "from DK"}},
		{"Twilio down", ready, nil, everything, true, map[string]string{"emergencyAddresses": "could not ask Twilio",
			"callbackFailureHandlers": "could not ask Twilio"}},
		{"a pool number without a Voice Fallback URL", ready, nil, noFallback(poolA), false,
			map[string]string{"callbackFailureHandlers": "Voice Fallback URL of " + poolA + " in Twilio"}},
		{"the ECBN needs no Voice Fallback URL", ready, nil, noFallback(ecbn), false, nil},
		{"a pool number not the account's", ready, nil, but(poolB), false, map[string]string{"emergencyAddresses": poolB,
			"callbackFailureHandlers": poolB}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := twiliotest.NewNumbers(t, tc.account...)
			if tc.down {
				f.FailNext(100)
			}
			cfg := settings.Defaults()
			cfg.DefaultCallerID = map[string]string{"US": usDef, "GB": gbDef}
			uc, err := mayday.NewUseCases(inmem.NewStore(), nopBus{}, inmem.NewOutbox(mayday.SystemClock{}),
				mayday.Options{Config: cfg, Numbers: registry(t, f, f.AuthToken), Addresses: inmem.Geocoder{}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, admin := context.Background(), uc.AdminAPI
			if _, err := admin.PutSite(ctx, "sea", mayday.Site{Name: "Seattle HQ", Country: "US", EmergencyCallbackNumber: ecbn,
				Address: mayday.Address{HouseNumber: "1", Street: "Main St", City: "Seattle", Region: "WA", PostalCode: "98101", Country: "US"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := admin.PutAgent(ctx, "a-1", tc.profile); err != nil {
				t.Fatal(err)
			}
			for _, n := range []string{poolA, poolB} {
				if _, _, err := admin.AddNumberAt(ctx, n, "US", tc.profile.SiteID); err != nil {
					t.Fatal(err)
				}
			}
			if tc.location != nil {
				if _, err := admin.PutLocation(ctx, "a-1", *tc.location); err != nil {
					t.Fatal(err)
				}
			}
			r, err := admin.Readiness(ctx, "a-1")
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, c := range r.Checks {
				if c.Name != "platformEmergencyCalling" && c.Name != "emergencyAddresses" && c.Name != "callbackFailureHandlers" {
					continue
				}
				seen++
				if want, fails := tc.failing[c.Name]; c.OK == fails || !strings.Contains(c.Fix, want) {
					t.Errorf("check %s: ok %v, fix %q; want failing %v with %q", c.Name, c.OK, c.Fix, fails, want)
				}
			}
			// The DK agent also lacks a DK pool, so has no callback
			// numbers to check for a failure handler.
			if wantSeen := map[bool]int{true: 2, false: 3}[tc.profile.Country == "DK"]; seen != wantSeen || r.Ready != (len(tc.failing) == 0) {
				t.Errorf("ready %v with checks %+v", r.Ready, r.Checks)
			}
		})
	}
}

type nopBus struct{}

func (nopBus) Publish(context.Context, ...events.Event) error { return nil }
