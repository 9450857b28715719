package mayday_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// A use case built without a port it needs fails at construction (a
// function's cold start), naming what is missing, instead of panicking at
// its first use.
func TestConstructorsRefuseMissingDependencies(t *testing.T) {
	store, bus, mail := inmem.NewStore(), &recorder{}, inmem.NewOutbox(mayday.SystemClock{})
	var nilStore *inmem.Store // a typed nil is as missing as an untyped one
	ok := mayday.Options{Config: settings.Defaults()}
	noLease := ok
	noLease.Config.Lease = 0
	build := map[string]func(mayday.Store, mayday.Publisher, mayday.Mailer, mayday.Options) error{
		"dial detection": func(s mayday.Store, p mayday.Publisher, _ mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewDialDetection(s, p, o)
			return err
		},
		"callback lease allocation": func(s mayday.Store, p mayday.Publisher, _ mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewCallbackLeaseAllocation(s, p, o)
			return err
		},
		"priority callback routing": func(s mayday.Store, p mayday.Publisher, _ mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewPriorityCallbackRouting(s, p, o)
			return err
		},
		"email notification": func(s mayday.Store, _ mayday.Publisher, m mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewEmailNotification(s, m, o)
			return err
		},
		"presence restore": func(s mayday.Store, _ mayday.Publisher, _ mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewPresenceRestore(s, o)
			return err
		},
		"call history": func(s mayday.Store, _ mayday.Publisher, _ mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewCallHistory(s, o)
			return err
		},
		"lease expiry": func(s mayday.Store, p mayday.Publisher, _ mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewLeaseExpiry(s, p, o)
			return err
		},
		"admin api": func(s mayday.Store, _ mayday.Publisher, _ mayday.Mailer, o mayday.Options) error {
			_, err := mayday.NewAdminAPI(s, o)
			return err
		},
	}
	// What each use case needs; the rest may be nil.
	needs := map[string]string{"dial detection": "store publisher", "callback lease allocation": "store publisher",
		"priority callback routing": "store publisher", "email notification": "store mailer",
		"presence restore": "store", "call history": "store", "lease expiry": "store publisher", "admin api": "store"}
	for name, fn := range build {
		t.Run(name, func(t *testing.T) {
			if err := fn(store, bus, mail, ok); err != nil {
				t.Fatalf("with every port: %v", err)
			}
			if err := fn(store, nil, nil, ok); (err == nil) != (needs[name] == "store") {
				t.Errorf("without publisher and mailer: err = %v; needs %s", err, needs[name])
			}
			for _, missing := range strings.Fields(needs[name]) {
				s, p, m := mayday.Store(store), mayday.Publisher(bus), mayday.Mailer(mail)
				switch missing {
				case "store":
					s = nilStore
				case "publisher":
					p = nil
				case "mailer":
					m = nil
				}
				err := fn(s, p, m, ok)
				if !errors.Is(err, mayday.ErrMissingDependency) || !strings.Contains(err.Error(), missing) {
					t.Errorf("without %s: err = %v, want ErrMissingDependency naming it", missing, err)
				}
			}
			if err := fn(store, bus, mail, noLease); !errors.Is(err, mayday.ErrMissingDependency) || !strings.Contains(err.Error(), "Lease") {
				t.Errorf("with no lease period: err = %v, want it refused", err)
			}
		})
	}
}

// nopPlatform stands in for a presence platform where only construction is
// tested.
type nopPlatform struct{}

func (nopPlatform) DoNotDisturb(context.Context, string) (string, error) { return "", nil }
func (nopPlatform) Restore(context.Context, string, string) error        { return nil }

// Presence push needs the store and the platform; with no platform
// configured it is not built at all.
func TestPresencePushRefusesMissingPorts(t *testing.T) {
	store, ok := inmem.NewStore(), mayday.Options{Config: settings.Defaults()}
	var nilStore *inmem.Store
	var nilPlatform *nopPlatform
	if _, err := mayday.NewPresencePush(store, nopPlatform{}, ok); err != nil {
		t.Fatalf("with every port: %v", err)
	}
	for _, tc := range []struct {
		name     string
		store    mayday.Store
		platform mayday.PresencePlatform
		missing  string
	}{
		{"no platform", store, nil, "presence platform"},
		{"typed nil platform", store, nilPlatform, "presence platform"},
		{"no store", nilStore, nopPlatform{}, "store"},
	} {
		if _, err := mayday.NewPresencePush(tc.store, tc.platform, ok); !errors.Is(err, mayday.ErrMissingDependency) ||
			!strings.Contains(err.Error(), tc.missing) {
			t.Errorf("%s: err = %v, want ErrMissingDependency naming %s", tc.name, err, tc.missing)
		}
	}
}
