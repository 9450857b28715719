// Package storetest is the contract test suite of the mayday.Store port. Every
// adapter (embedded, DynamoDB) runs the same suite, so what the domain relies
// on is pinned down once:
//
//   - GetX of a missing key fails with mayday.ErrNotFound.
//   - UpdateX hands the closure the stored value, or the zero value with its
//     key set and Version 0; a nil return writes the value with Version
//     incremented and returns it; mayday.ErrNoChange writes nothing and
//     returns the stored value (zero value with key when missing) and no
//     error; any other error aborts the update, writes nothing and is
//     returned (errors.Is). The closure cannot change the key.
//   - Concurrent updates of one key are serialised: none is lost.
//   - Values round-trip: times compare Equal (location and monotonic reading
//     are not kept), pointers keep nil versus set, and a nil slice and an
//     empty slice are interchangeable (both read back with length 0).
//   - The pool queries (ListNumbers, LeasesHeldBy, LeasesExpiringBy),
//     DeleteNumber, the site methods, AgentsAtSite, UpdateNotification and
//     the history keep the promises of their doc comments. ListNumbers(c)
//     lists every number of country c, its sites' numbers included;
//     ListNumbers("") every number stored, whatever its country (supported
//     or not: mayday.SupportedCountries is the domain's rule for adding
//     numbers, not a filter of the store).
//   - Every method refuses, with mayday.ErrInvalid and without echoing it,
//     an agent, call or site id that mayday.ValidID refuses — a key, a
//     query's id, or an id a written value is indexed by — and a callback
//     number that is not E.164 as stored (mayday.ValidE164); it then reads
//     and writes nothing. "" is such an id: AgentsAtSite("") fails too.
//   - ReadSetup reads an agent and a call, absent ones as their zero values
//     with the id set and Version 0. WriteSetup writes a call, an agent and
//     optionally a number all or none, each only if the stored Version is
//     the one the value carries (0: none stored), and returns them at
//     Version+1; otherwise it writes nothing and fails with a
//     *mayday.SetupConflict (an ErrConflict) naming exactly the items that
//     had changed. Of concurrent setups that read one agent, exactly one
//     writes. The index-backed reads see what it wrote.
//   - The events WriteSetup and UpdateCallAnnouncing name are recorded
//     (the outbox) iff the write is, in the same write.
//   - Result order of the list methods is not part of the contract, except
//     ListSites: sorted by id.
//
// Where adapters legitimately differ — index reads that lag behind writes,
// updates that give up under contention — each adapter says so in the
// Features it passes to Run, and the suite checks what that adapter promises.
//
// The suite is split by concern, the way watermill splits its pub/sub suite:
//
//	suite.go          Run, Features, what every case gets
//	update.go         the UpdateX contract, once per kind of record
//	agents.go         agents: their kind, round trips, AgentsInEmergencySince,
//	                  AgentsAtSite
//	calls.go          calls: their kind, round trips
//	pool.go           callback numbers and leases: their kind, round trips,
//	                  ListNumbers, LeasesHeldBy, LeasesExpiringBy, DeleteNumber
//	sites.go          sites: their kind, round trips, ListSites, DeleteSite
//	notifications.go  notifications: their kind, round trips, claims
//	history.go        call history
//	setup.go          the dial's setup: ReadSetup, WriteSetup, their races
//	outbox.go         the events a write records, iff it writes
//	ids.go            the ids every adapter refuses, and the edge ids it keeps
//	concurrency.go    concurrent writers: lost updates, double leases and claims
//	burst.go          a burst of dials at one site, through the dial use case
//	asserts.go        comparison and the checks of index-backed reads
package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

// Features declares where an adapter's guarantees differ from the embedded
// store's; each adapter's test passes its own. The zero value is the weakest
// adapter the contract allows, so an adapter that declares nothing is held
// only to what every store promises.
type Features struct {
	// ConsistentIndexes: the index-backed reads — ListNumbers, LeasesHeldBy,
	// LeasesExpiringBy, AgentsInEmergencySince, AgentsAtSite, ListSites —
	// reflect every write that returned before them (read-your-writes). The
	// embedded store declares true. DynamoDB serves them from global
	// secondary indexes, which AWS keeps eventually consistent (DynamoDB
	// Local happens to be consistent; production is not), so it declares
	// false, and the suite then polls such a read until it shows the writes
	// — every 20 ms for up to 5 s — instead of checking it at once. Reads by key (GetX, UpdateX, DeleteX) and
	// ListActivities are consistent in every adapter and always checked at
	// once.
	ConsistentIndexes bool

	// UnboundedRetries: an UpdateX whose write keeps losing to concurrent
	// writers re-runs its closure until it wins, so contention alone never
	// fails it. The embedded store declares true. DynamoDB gives up after
	// Store.MaxAttempts lost races with mayday.ErrConflict and declares
	// false; the concurrency cases then accept ErrConflict from a writer and
	// check that exactly the writes that succeeded were kept.
	UnboundedRetries bool
}

// NewStore makes a fresh, empty store for one case.
type NewStore func(t *testing.T) mayday.Store

// Run runs the whole contract against the stores newStore makes, holding
// them to what features declares; each case gets a fresh, empty store.
func Run(t *testing.T, newStore NewStore, features Features) {
	e := env{newStore: newStore, Features: features}
	for _, g := range contract() {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.cases {
				t.Run(c.name, func(t *testing.T) { c.run(t, e) })
			}
		})
	}
}

// contract lists every case, by concern.
func contract() []group {
	return []group{
		{"Agents", []contractCase{
			{"Update", agentKind().run},
			{"RoundTrip", testAgentRoundTrip},
			{"InEmergencySince", testAgentsInEmergencySince},
			{"AtSite", testAgentsAtSite},
		}},
		{"Calls", []contractCase{
			{"Update", callKind().run},
			{"RoundTrip", testCallRoundTrip},
		}},
		{"Pool", []contractCase{
			{"Update", numberKind().run},
			{"RoundTrip", testNumberRoundTrip},
			{"ListNumbers", testListNumbers},
			{"LeasesHeldBy", testLeasesHeldBy},
			{"LeasesExpiringBy", testLeasesExpiringBy},
			{"DeleteNumber", testDeleteNumber},
		}},
		{"Sites", []contractCase{
			{"Update", siteKind().run},
			{"RoundTrip", testSiteRoundTrip},
			{"ListSites", testListSites},
			{"DeleteSite", testDeleteSite},
		}},
		{"Notifications", []contractCase{
			{"Update", notificationKind().run},
			{"RoundTrip", testNotificationRoundTrip},
			{"Claim", testNotificationClaim},
		}},
		{"Alerts", []contractCase{
			{"Update", alertKind().run},
			{"RoundTrip", testAlertRoundTrip},
			{"Live", testLiveAlerts},
			{"ConcurrentAcks", testConcurrentAcks},
		}},
		{"History", []contractCase{
			{"AddAndList", testHistory},
		}},
		{"Setup", []contractCase{
			{"ReadAbsent", testSetupReadAbsent},
			{"ReadStored", testSetupReadStored},
			{"Write", testSetupWrite},
			{"Conflicts", testSetupConflicts},
			{"WithoutNumber", testSetupWithoutNumber},
			{"Indexes", testSetupIndexes},
		}},
		{"Outbox", []contractCase{
			{"WithSetup", testOutboxWithSetup},
			{"WithCall", testOutboxWithCall},
			{"WithAlert", testOutboxWithAlert},
			{"WithNumberAndAgent", testOutboxWithNumberAndAgent},
		}},
		{"IDs", []contractCase{
			{"Refused", testRefusedIDs},
			{"RefusedNumbers", testRefusedNumbers},
			{"RefusedLeaveStored", testRefusedLeaveStored},
			{"Edge", testEdgeIDs},
		}},
		{"Concurrency", []contractCase{
			{"AgentUpdates", testConcurrentAgentUpdates},
			{"Leases", testConcurrentLeases},
			{"NotificationClaims", testConcurrentClaims},
			{"HistoryAdds", testConcurrentHistoryAdds},
			{"Setups", testConcurrentSetups},
			{"DialBurst", testDialBurst},
		}},
	}
}

type group struct {
	name  string
	cases []contractCase
}

type contractCase struct {
	name string
	run  func(t *testing.T, e env)
}

// env is what every case gets: fresh stores and the adapter's features.
type env struct {
	newStore NewStore
	Features
}

// base is the suite's "now": close to the wall clock (so that a real store's
// TTL never removes a test item), whole seconds plus a fraction that must
// survive the round trip.
var base = time.Now().UTC().Truncate(time.Second).Add(123456789 * time.Nanosecond)

// zone is a location other than UTC: times stored in it must compare Equal
// to the same instant in UTC.
var zone = time.FixedZone("UTC-5", -5*3600)

var errAbort = errors.New("storetest: closure aborted")
