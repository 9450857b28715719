package main

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// reservedByFunction is each Mayday function's ReservedConcurrentExecutions
// in a template's resources, nil where none is reserved.
func reservedByFunction(t *testing.T, res map[string]resource) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, r := range res {
		d, _ := r.Properties["Description"].(string)
		if r.Type != "AWS::Lambda::Function" || !strings.HasPrefix(d, "Mayday ") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(d, "Mayday "), ":")
		out[name] = r.Properties["ReservedConcurrentExecutions"]
	}
	return out
}

// TestReservedConcurrency: nothing is reserved by default (a new account's
// quota cannot hold a reservation); with webhookReservedConcurrency, the
// functions the configured platform calls during a dial are reserved that
// much each, and no other.
func TestReservedConcurrency(t *testing.T) {
	connect := testCfg.With(settings.ConnectInstanceARN, connectInstance).
		With(settings.ConnectDNDStatus, connectDND).With(settings.ConnectRoutableStatus, connectRoutable)
	reserve := func(c Config, n int) Config { c.WebhookReservedConcurrency = n; return c }
	for _, tc := range []struct {
		name string
		cfg  Config
		want map[string]float64
	}{
		{"MaydayNoReservation", testCfg, nil},
		{"MaydayWebhooksReserved", reserve(testCfg, 20), map[string]float64{functions.DialDetection: 20, functions.PriorityCallbackRouting: 20}},
		{"MaydayConnectReserved", reserve(connect, 30), map[string]float64{functions.ConnectFlow: 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, res := synth(t, tc.name, tc.cfg)
			got := reservedByFunction(t, res)
			if len(got) < 5 {
				t.Fatalf("found %d functions", len(got))
			}
			for name, v := range got {
				if want, ok := tc.want[name]; ok != (v != nil) || (ok && v != want) {
					t.Errorf("%s reserves %v, want %v", name, v, tc.want[name])
				}
			}
			for name := range tc.want {
				if _, ok := got[name]; !ok {
					t.Errorf("%s not deployed", name)
				}
			}
		})
	}
}

// TestReservedConcurrencyContext: the context key reads a whole number and
// refuses what the default quota cannot hold with 100 unreserved (two
// webhooks share it; Connect reserves for one function).
func TestReservedConcurrencyContext(t *testing.T) {
	for _, tc := range []struct {
		ctx  map[string]any
		want int
		ok   bool
	}{
		{map[string]any{}, 0, true},
		{map[string]any{"webhookReservedConcurrency": "0"}, 0, true},
		{map[string]any{"webhookReservedConcurrency": 50}, 50, true},
		{map[string]any{"webhookReservedConcurrency": "450"}, 450, true},
		{map[string]any{"webhookReservedConcurrency": "451"}, 0, false},
		{map[string]any{"webhookReservedConcurrency": "-1"}, 0, false},
		{map[string]any{"webhookReservedConcurrency": "ten"}, 0, false},
		{map[string]any{"webhookReservedConcurrency": "900", "connectInstanceArn": connectInstance,
			"connectDndStatusId": connectDND, "connectRoutableStatusId": connectRoutable}, 900, true},
		{map[string]any{"webhookReservedConcurrency": "901", "connectInstanceArn": connectInstance,
			"connectDndStatusId": connectDND, "connectRoutableStatusId": connectRoutable}, 0, false},
	} {
		c, err := ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &tc.ctx}).Node())
		if (err == nil) != tc.ok || (tc.ok && c.WebhookReservedConcurrency != tc.want) {
			t.Errorf("context %v: reserved %d, error %v; want %d, ok %v", tc.ctx, c.WebhookReservedConcurrency, err, tc.want, tc.ok)
		}
	}
	bad := testCfg
	bad.WebhookReservedConcurrency = -5
	if bad.Validate() == nil {
		t.Error("Validate accepts a negative reservation")
	}
}
