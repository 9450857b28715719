package mayday_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/mayday"
)

func TestAlertID(t *testing.T) {
	a, b := mayday.AlertID("c-1", mayday.TierDesk), mayday.AlertID("c-1", mayday.TierDesk)
	if a != b {
		t.Fatalf("AlertID is not deterministic: %s, %s", a, b)
	}
	for _, other := range []string{mayday.AlertID("c-1", mayday.TierEscalation), mayday.AlertID("c-2", mayday.TierDesk),
		mayday.AlertID("c-1d", "esk")} {
		if other == a {
			t.Fatalf("AlertID collides: %s", a)
		}
	}
	if err := mayday.ValidID("alertId", a); err != nil {
		t.Fatalf("AlertID %s is not a valid id: %v", a, err)
	}
}

// alertAt is a desk alert of a site call with a 100-character link.
func alertAt() mayday.Alert {
	return mayday.Alert{ID: "al-0123456789abcdef01234567", CallID: "c-1", Tier: mayday.TierDesk, At: t0,
		AgentID: "a-1", AgentName: "Ada Lovelace", DialedNumber: "9-911", EmergencyNumber: "911",
		CallerID: "+14255550001", CallerIDSource: mayday.CallerLease, SiteName: "Seattle HQ",
		Address: "400 Broad St, Seattle, WA 98109, US", Detail: "Building 4, floor 2", ExpiresAt: t0.Add(time.Hour),
		Link: "https://desk.example.com/v1/alerts/al-0123456789abcdef01234567?token=1795395600.abcdefghijklmnopqrstuvwxyz012345"}
}

// TestSMSText: one segment where it can be; what is dropped to get there,
// in order (the detail, the link, the site's name); never the callback
// number; TEST marked.
func TestSMSText(t *testing.T) {
	long := "Unit 1200, North Tower, Mezzanine Level, behind the main reception desk near the loading bay entrance"
	for _, tc := range []struct {
		name     string
		mod      func(*mayday.Alert)
		segments int
		has      []string
		lacks    []string
	}{
		{"noLinkFitsAll", func(a *mayday.Alert) { a.Link = "" }, 1,
			[]string{"EMERGENCY:", "Ada Lovelace", "9-911", "21:00Z", "+14255550001 (callback lease)", "Seattle HQ", "400 Broad St", "Building 4, floor 2"}, nil},
		{"detailAndLinkBothDropped", func(a *mayday.Alert) { a.Detail = "Building 4, floor 2, room 2.117" }, 1,
			[]string{"+14255550001", "Seattle HQ, 400 Broad St"}, []string{"Building 4", "Ack:"}},
		{"linkDroppedDetailKept", func(a *mayday.Alert) { a.AgentName, a.Address = "Ada Agent", "1 Main St, Seattle, WA 98101, US" }, 1,
			[]string{"+14255550001", "Seattle HQ, 1 Main St", "Building 4, floor 2"}, []string{"Ack:"}},
		{"shortLinkKeptWithoutDetail", func(a *mayday.Alert) { a.Link, a.Address = "/v1/alerts/al-1?token=1.x", "1 Main St, Seattle" }, 1,
			[]string{"Ack: /v1/alerts/al-1?token=1.x", "Seattle HQ"}, []string{"Building 4"}},
		{"longAddressDropsSiteName", func(a *mayday.Alert) {
			a.Link, a.Address = "", "12000 Northeast Bellevue-Redmond Road, Bellevue, WA 98005, US"
		}, 1, []string{"+14255550001", "12000 Northeast Bellevue-Redmond Road"}, []string{"Seattle HQ"}},
		{"tooLongGoesWholeInSegments", func(a *mayday.Alert) { a.Address = long }, 3,
			[]string{"+14255550001 (callback lease)", "Seattle HQ", long, "Building 4", "Ack: https://"}, nil},
		{"test", func(a *mayday.Alert) { a.Test, a.Link = true, "" }, 1, []string{"TEST 933:"}, []string{"EMERGENCY"}},
		{"noCallerID", func(a *mayday.Alert) { a.CallerID, a.CallerIDSource, a.Link = "", mayday.CallerDefault, "" }, 1,
			[]string{"Callback: the platform's default number (platform default)"}, nil},
		{"remoteAgent", func(a *mayday.Alert) { a.SiteName, a.Link, a.CallerIDSource = "", "", mayday.CallerAgent }, 1,
			[]string{"At: 400 Broad St", "(agent's own number)"}, nil},
		{"unknownAgentName", func(a *mayday.Alert) { a.AgentName, a.Link = "", "" }, 1, []string{"agent a-1 dialled"}, nil},
		{"nonGSMNameUCS2", func(a *mayday.Alert) { a.AgentName, a.Link = "Łucja Żak", "" }, 3,
			[]string{"Łucja Żak", "+14255550001", "Building 4"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := alertAt()
			tc.mod(&a)
			text := a.SMSText()
			if got := mayday.SMSSegments(text); got != tc.segments {
				t.Errorf("%d segments, want %d: %q (%d chars)", got, tc.segments, text, len([]rune(text)))
			}
			for _, s := range tc.has {
				if !strings.Contains(text, s) {
					t.Errorf("%q lacks %q", text, s)
				}
			}
			for _, s := range tc.lacks {
				if strings.Contains(text, s) {
					t.Errorf("%q has %q", text, s)
				}
			}
		})
	}
}

func TestSMSSegments(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 1},
		{"160GSM", strings.Repeat("a", 160), 1},
		{"161GSM", strings.Repeat("a", 161), 2},
		{"306GSM", strings.Repeat("a", 306), 2},
		{"307GSM", strings.Repeat("a", 307), 3},
		{"extensionCountsTwo", strings.Repeat("a", 159) + "€", 2},
		{"gsmAccents", strings.Repeat("é", 160), 1},
		{"70UCS2", strings.Repeat("ł", 70), 1},
		{"71UCS2", strings.Repeat("ł", 71), 2},
		{"emojiSurrogatePair", strings.Repeat("a", 69) + "🚨", 2},
	} {
		if got := mayday.SMSSegments(tc.text); got != tc.want {
			t.Errorf("%s: %d segments, want %d", tc.name, got, tc.want)
		}
	}
}

// TestAlertText: the webhook's (Slack, Teams) text names every fact.
func TestAlertText(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*mayday.Alert)
		has  []string
	}{
		{"emergency", func(*mayday.Alert) {}, []string{"EMERGENCY CALL: Ada Lovelace dialled 9-911 at 2026-11-22 21:00:00 UTC",
			"Callback number the emergency service received: +14255550001 (callback lease)",
			"Location sent: Seattle HQ, 400 Broad St, Seattle, WA 98109, US, Building 4, floor 2", "Acknowledge: https://desk.example.com/v1/alerts/"}},
		{"test", func(a *mayday.Alert) { a.Test = true }, []string{"TEST CALL (not an emergency)"}},
		{"noLocation", func(a *mayday.Alert) { a.SiteName, a.Address, a.Detail = "", "", "" }, []string{"Location sent: unknown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := alertAt()
			tc.mod(&a)
			for _, s := range tc.has {
				if !strings.Contains(a.Text(), s) {
					t.Errorf("%q lacks %q", a.Text(), s)
				}
			}
		})
	}
}

// TestAlertToken: a token opens its alert until it expires, under the key
// that signed it or a key it was rotated from; nothing else.
func TestAlertToken(t *testing.T) {
	k1, k0 := []byte("current-key"), []byte("previous-key")
	exp := t0.Add(time.Hour)
	good := mayday.SignAlertToken(k1, "al-1", exp)
	old := mayday.SignAlertToken(k0, "al-1", exp)
	sec, mac, _ := strings.Cut(good, ".")
	for _, tc := range []struct {
		name    string
		keys    [][]byte
		alertID string
		token   string
		now     time.Time
		want    error
	}{
		{"valid", [][]byte{k1}, "al-1", good, t0, nil},
		{"lastSecond", [][]byte{k1}, "al-1", good, exp.Add(-time.Nanosecond), nil},
		{"expired", [][]byte{k1}, "al-1", good, exp, mayday.ErrAlertTokenExpired},
		{"previousKey", [][]byte{k1, k0}, "al-1", old, t0, nil},
		{"retiredKey", [][]byte{k1}, "al-1", old, t0, mayday.ErrAlertTokenInvalid},
		{"otherAlert", [][]byte{k1}, "al-2", good, t0, mayday.ErrAlertTokenInvalid},
		{"extended", [][]byte{k1}, "al-1", "9999999999." + mac, t0, mayday.ErrAlertTokenInvalid},
		{"forgedExpiredIsInvalid", [][]byte{k1}, "al-1", "1." + mac, t0, mayday.ErrAlertTokenInvalid},
		{"leadingZero", [][]byte{k1}, "al-1", "0" + good, t0, mayday.ErrAlertTokenInvalid},
		{"plusSign", [][]byte{k1}, "al-1", "+" + good, t0, mayday.ErrAlertTokenInvalid},
		{"noMAC", [][]byte{k1}, "al-1", sec + ".", t0, mayday.ErrAlertTokenInvalid},
		{"shortMAC", [][]byte{k1}, "al-1", sec + "." + mac[:20], t0, mayday.ErrAlertTokenInvalid},
		{"notBase64", [][]byte{k1}, "al-1", sec + ".!!!", t0, mayday.ErrAlertTokenInvalid},
		{"empty", [][]byte{k1}, "al-1", "", t0, mayday.ErrAlertTokenInvalid},
		{"noKeys", nil, "al-1", good, t0, mayday.ErrAlertTokenInvalid},
		{"emptyKey", [][]byte{{}}, "al-1", mayday.SignAlertToken(nil, "al-1", exp), t0, mayday.ErrAlertTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mayday.VerifyAlertToken(tc.keys, tc.alertID, tc.token, tc.now)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("%v, want %v", err, tc.want)
			}
		})
	}
}
