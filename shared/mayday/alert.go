package mayday

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Alert tiers: who an alert is for. The desk is alerted at once; the
// escalation tier when the desk's alert stays unacknowledged.
const (
	TierDesk       = "desk"
	TierEscalation = "escalation"
)

// Alert channels.
const (
	ChannelEmail   = "email"
	ChannelSMS     = "sms"
	ChannelWebhook = "webhook"
)

// Alert is what a security desk is told of one emergency call (or, marked
// Test, of a test call): on every channel the same facts and the link that
// acknowledges it.
type Alert struct {
	// ID is AlertID(CallID, Tier): a redelivered event makes the same alert.
	ID     string
	CallID string
	Tier   string
	// Test: a test call (933), not an emergency.
	Test bool
	// At is when the call was placed.
	At        time.Time
	AgentID   string
	AgentName string
	// DialedNumber is what the agent dialled; EmergencyNumber the
	// emergency service it reached.
	DialedNumber    string
	EmergencyNumber string
	// CallerID is the number the emergency service (PSAP) received, to
	// call back; CallerIDSource what it is (CallerLease, CallerECBN, ...).
	CallerID       string
	CallerIDSource string
	// SiteName, Address and Detail are the location the call sent: the
	// site's, or the remote agent's own address (no site name).
	SiteName string
	Address  string
	Detail   string
	// ExpiresAt is when the acknowledgement link stops working: the end of
	// the callback lease.
	ExpiresAt time.Time
	// Link is the acknowledgement link (a URL, when a base is
	// configured), carrying the signed token; empty when no alert secret
	// is configured. It is never stored: the token is a credential.
	Link string

	// What the alert store keeps beside the facts: the site whose desk was
	// alerted, when it was first sent, its acknowledgement (the first one)
	// and its escalation.
	SiteID         string
	SentAt         time.Time
	AcknowledgedBy string
	AcknowledgedAt time.Time
	EscalatedAt    time.Time
	Version        int64
}

// Acknowledged reports whether someone has acknowledged the alert.
func (a Alert) Acknowledged() bool { return !a.AcknowledgedAt.IsZero() }

// Live reports whether the alert is sent and its link not expired at now:
// the emergency may still call for the desk.
func (a Alert) Live(now time.Time) bool { return a.Version > 0 && now.Before(a.ExpiresAt) }

// Open reports whether the alert still waits for an acknowledgement at
// now: live and not acknowledged.
func (a Alert) Open(now time.Time) bool { return a.Live(now) && !a.Acknowledged() }

// acknowledge records by's acknowledgement at at, unless one is recorded
// already: the first one wins (ErrNoChange, the closure of a conditional
// write).
func (a *Alert) acknowledge(by string, at time.Time) error {
	if a.Version == 0 {
		return NotFound("alert", a.ID)
	}
	if a.Acknowledged() {
		return ErrNoChange
	}
	a.AcknowledgedBy, a.AcknowledgedAt = by, at
	return nil
}

// AlertID is the id of a call's alert for a tier. It is derived, not
// drawn, so that every delivery of an event names the same alert and the
// channels' deduplication holds across them.
func AlertID(callID, tier string) string {
	sum := sha256.Sum256([]byte(callID + "\x00" + tier))
	return "al-" + hex.EncodeToString(sum[:12])
}

// AlertPath is the acknowledgement page of an alert.
func AlertPath(alertID string) string { return "/v1/alerts/" + alertID }

// AlertSecret returns the keys alert tokens may be signed with, the
// current one first (webhooksecret.Source has this shape).
type AlertSecret func(context.Context) ([][]byte, error)

// link signs the alert's acknowledgement link under base, the public URL
// that serves the acknowledgement page. Without one the alert carries no
// link: a link nothing answers would send a security desk in the middle
// of an emergency to an error page.
func (a *Alert) link(ctx context.Context, secret AlertSecret, base string) error {
	if secret == nil || base == "" {
		return nil
	}
	keys, err := secret(ctx)
	if err == nil && (len(keys) == 0 || len(keys[0]) == 0) {
		err = errors.New("empty")
	}
	if err != nil {
		return fmt.Errorf("%w: alert secret: %w", ErrUnavailable, err)
	}
	a.Link = strings.TrimSuffix(base, "/") + AlertPath(a.ID) + "?token=" + SignAlertToken(keys[0], a.ID, a.ExpiresAt)
	return nil
}

// Heading is the alert's first words.
func (a Alert) Heading() string {
	if a.Tier == TierEscalation {
		return "ESCALATED, NOT ACKNOWLEDGED: " + Alert{Test: a.Test}.Heading()
	}
	if a.Test {
		return "TEST CALL (not an emergency)"
	}
	return "EMERGENCY CALL"
}

// callerWords is the caller ID and, briefly, what it is.
func (a Alert) callerWords() string {
	n := a.CallerID
	if n == "" {
		n = "the platform's default number"
	}
	if w := callerIDShort[a.CallerIDSource]; w != "" {
		return n + " (" + w + ")"
	}
	return n
}

var callerIDShort = map[string]string{
	CallerLease:   "callback lease",
	CallerAgent:   "agent's own number",
	CallerECBN:    "site's main number",
	CallerDefault: "platform default",
}

// place is the location in one line: site, address, and detail when with.
func (a Alert) place(withDetail, withSite bool) string {
	var parts []string
	if withSite && a.SiteName != "" {
		parts = append(parts, a.SiteName)
	}
	if a.Address != "" {
		parts = append(parts, a.Address)
	}
	if withDetail && a.Detail != "" {
		parts = append(parts, a.Detail)
	}
	if len(parts) == 0 {
		return "unknown"
	}
	return strings.Join(parts, ", ")
}

func (a Alert) agentWords() string {
	if a.AgentName != "" {
		return a.AgentName
	}
	return "agent " + a.AgentID
}

// Text is the alert in full, as a webhook receiver (Slack, Teams) shows
// it: one fact a line.
func (a Alert) Text() string {
	lines := []string{
		fmt.Sprintf("%s: %s dialled %s at %s", a.Heading(), a.agentWords(), a.DialedNumber, a.At.UTC().Format("2006-01-02 15:04:05 UTC")),
		"Callback number the emergency service received: " + a.callerWords(),
		"Location sent: " + a.place(true, true),
	}
	if a.Link != "" {
		lines = append(lines, "Acknowledge: "+a.Link)
	}
	return strings.Join(lines, "\n")
}

// SMSText is the alert as one text message: within one segment where it
// can be. The callback number is never cut: to fit, the location's detail
// goes first, then the acknowledgement link instead (the detail back),
// then both, then the site's name too. When
// even that does not fit (a long address, a name outside GSM-7), nothing
// is dropped: the text goes whole, in several segments.
func (a Alert) SMSText() string {
	head := fmt.Sprintf("%s %s dialled %s %s. Callback: %s.", a.smsHeading(), a.agentWords(), a.DialedNumber,
		a.At.UTC().Format("15:04Z"), a.callerWords())
	text := func(detail, link, site bool) string {
		t := head + " At: " + a.place(detail, site) + "."
		if link && a.Link != "" {
			t += " Ack: " + a.Link
		}
		return t
	}
	for _, v := range []struct{ detail, link, site bool }{
		{true, true, true}, {false, true, true}, {true, false, true}, {false, false, true}, {false, false, false},
	} {
		if t := text(v.detail, v.link, v.site); SMSSegments(t) == 1 {
			return t
		}
	}
	return text(true, true, true)
}

func (a Alert) smsHeading() string {
	if a.Tier == TierEscalation {
		return "ESCALATED " + Alert{Test: a.Test}.smsHeading()
	}
	if a.Test {
		return "TEST 933:"
	}
	return "EMERGENCY:"
}

// gsm7 is the GSM 03.38 default alphabet; gsm7Ext its extension table,
// whose characters take two septets.
const (
	gsm7    = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "^{}\\[~]|€\f"
)

// SMSSegments is how many segments text takes: 160 GSM-7 septets in one
// (153 each when concatenated), or 70 UCS-2 characters (67) when any
// character is outside GSM-7.
func SMSSegments(text string) int {
	septets, ucs2 := 0, false
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			ucs2 = true
		}
	}
	one, each, n := 160, 153, septets
	if ucs2 {
		one, each, n = 70, 67, len([]rune(text))
		for _, r := range text {
			if r > 0xFFFF { // a surrogate pair in UCS-2/UTF-16
				n++
			}
		}
	}
	if n <= one {
		return 1
	}
	return (n + each - 1) / each
}
