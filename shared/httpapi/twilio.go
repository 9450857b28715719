package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/twilio/twilio-go/client"
	"github.com/twilio/twilio-go/twiml"

	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

// The Twilio Programmable Voice adapter: Twilio's form-encoded webhooks
// translated to the same use cases as the generic webhooks, and their
// decisions answered as TwiML.

// TwilioSignatureHeader carries Twilio's request signature.
const TwilioSignatureHeader = "X-Twilio-Signature"

// CallbackRingTimeout is how long a PSAP callback rings the agent's client
// before it goes to the fallback destination.
const CallbackRingTimeout = 30 * time.Second

// errNotConfigured: a deployment setting the request needs is missing; the
// message names it (503, so that Twilio turns to the Fallback URL).
var errNotConfigured = errors.New("not configured")

// verifyTwilio checks X-Twilio-Signature over the URL Twilio called and the
// form parameters, with each of the account's current auth tokens, and the
// account the request names.
func (a *API) verifyTwilio(r *http.Request, body []byte) error {
	sig := r.Header.Get(TwilioSignatureHeader)
	if sig == "" {
		return fmt.Errorf("%w: missing %s header", errForbidden, TwilioSignatureHeader)
	}
	tokens, err := a.TwilioAuthToken(r.Context())
	if err != nil {
		return fmt.Errorf("%w: twilio auth token: %w", mayday.ErrUnavailable, err)
	}
	u := a.twilioURL(r)
	valid := func(token []byte) bool {
		v := client.NewRequestValidator(string(token))
		return len(token) > 0 && v.ValidateBody(u, body, sig)
	}
	if !slices.ContainsFunc(tokens, valid) {
		return fmt.Errorf("%w: %s does not match the request (is the Twilio webhook URL %s?)", errForbidden, TwilioSignatureHeader, u)
	}
	if a.TwilioAccountSID != "" {
		form, _ := url.ParseQuery(string(body))
		if form.Get("AccountSid") != a.TwilioAccountSID {
			return fmt.Errorf("%w: AccountSid is not this deployment's Twilio account", errForbidden)
		}
	}
	return nil
}

// twilioURL is the URL Twilio called, as it signed it: the configured
// public base URL when set (a tunnel or proxy in front of us), else the URL
// the request arrived at. Behind a Lambda Function URL the request carries
// https://<function URL host><raw path>?<raw query> (aws-lambda-go's
// lambdaurl); from a plain server, Host and X-Forwarded-Proto say the rest.
func (a *API) twilioURL(r *http.Request) string {
	if a.TwilioPublicURL != "" {
		return strings.TrimRight(a.TwilioPublicURL, "/") + r.URL.RequestURI()
	}
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
		if p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.TrimSpace(p) != "" {
			scheme = strings.ToLower(strings.TrimSpace(p))
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

// twilioForm reads the form-encoded body, naming the first required
// parameter it lacks.
func twilioForm(r *http.Request, required ...string) (url.Values, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %v", mayday.ErrInvalid, err)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: want a form-encoded body (application/x-www-form-urlencoded): %v", mayday.ErrInvalid, err)
	}
	for _, k := range required {
		if strings.TrimSpace(form.Get(k)) == "" {
			return nil, fmt.Errorf("%w: %s is required", mayday.ErrInvalid, k)
		}
	}
	return form, nil
}

// writeTwiML answers TwiML built with twilio-go's twiml package.
func writeTwiML(w http.ResponseWriter, verbs ...twiml.Element) error {
	doc, err := twiml.Voice(verbs)
	if err != nil {
		return fmt.Errorf("twiml: %w", err)
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, doc)
	return nil
}

// twilioVoice is the TwiML App's Voice URL: an agent's Voice SDK client
// (From=client:<agentId>) places a call to To. The desktop may pass the
// agent's location as the connect parameters Country, SiteId, Location and
// ClientIp (the generic webhook's country, siteId, location and clientIp);
// without Country, the domain takes the location's, then the agent's.
func (a *API) twilioVoice(w http.ResponseWriter, r *http.Request) error {
	f, err := twilioForm(r, "CallSid", "From", "To")
	if err != nil {
		return err
	}
	agentID, ok := strings.CutPrefix(f.Get("From"), "client:")
	if !ok || strings.TrimSpace(agentID) == "" {
		return fmt.Errorf("%w: From: want client:<agentId>, the Voice SDK client's identity", mayday.ErrInvalid)
	}
	e := mayday.CallEvent{Type: mayday.CallEventDialed, CallID: f.Get("CallSid"), AgentID: agentID, From: f.Get("From"),
		To: f.Get("To"), Country: f.Get("Country"), SiteID: f.Get("SiteId"), Location: f.Get("Location"),
		ClientIP: twilioClientIP(f.Get("ClientIp")), OccurredAt: a.Clock.Now()}
	out, err := a.DialDetection.HandleCall(r.Context(), e)
	switch {
	case err != nil && out.Number == "":
		return err
	case err != nil:
		// The emergency (or test) call is placed whatever failed after its
		// caller ID was decided: Twilio does not retry a Voice URL.
		a.Log.Error("twilio voice: call placed, but the dial was not fully handled", "callId", e.CallID,
			"agentId", agentID, "err", err)
	}
	if out.Number == "" {
		return a.twilioOrdinary(w, "ordinary call")
	}
	// An emergency dial, a 933 test call, or an emergency number from an
	// unsupported location: dialled all the same, the access prefix
	// stripped, presenting the caller ID decided.
	return writeTwiML(w, twiml.VoiceDial{CallerId: a.twilioCallerID(e, out), AnswerOnBridge: "true",
		InnerElements: []twiml.Element{twiml.VoiceNumber{PhoneNumber: out.Number}}})
}

// twilioCallerID is what the <Dial> presents. Twilio refuses a client's
// dial to the PSTN without a callerId (error 13214), so when nothing was
// decided (a country with no default caller ID, or no known country) the
// call presents another country's default rather than fail.
func (a *API) twilioCallerID(e mayday.CallEvent, out mayday.CallOutcome) string {
	if out.CallerID != "" {
		return out.CallerID
	}
	log := a.Log.With("callId", e.CallID, "agentId", e.AgentID, "callerIdSource", out.CallerIDSource)
	n, country, ok := a.DialDetection.AnyDefaultCallerID()
	if !ok {
		log.Error("twilio voice: no caller ID to present and MAYDAY_DEFAULT_CALLER_ID is empty: Twilio will refuse the dial")
		return ""
	}
	log.Warn("twilio voice: no caller ID for the call's country; presenting another country's default caller ID",
		"defaultCountry", country)
	return n
}

// twilioClientIP is the ClientIp connect parameter when it is an IP
// address: a malformed one is ignored rather than refuse the call.
func twilioClientIP(v string) string {
	if _, err := netip.ParseAddr(v); err != nil {
		return ""
	}
	return v
}

// twilioOrdinary hands the call back to the customer's own voice
// application.
func (a *API) twilioOrdinary(w http.ResponseWriter, what string) error {
	if a.TwilioOrdinaryURL == "" {
		return fmt.Errorf("%w: %s: MAYDAY_TWILIO_ORDINARY_URL is not set, so there is no voice application to hand it to", errNotConfigured, what)
	}
	return writeTwiML(w, twiml.VoiceRedirect{Url: a.TwilioOrdinaryURL, Method: http.MethodPost})
}

// twilioEnded are the final call statuses: the call is over.
var twilioEnded = map[string]bool{"completed": true, "busy": true, "failed": true, "no-answer": true, "canceled": true}

// twilioStatus is the status callback (of the TwiML App, and of the pool
// numbers): a final status ends the call; any other changes nothing.
func (a *API) twilioStatus(w http.ResponseWriter, r *http.Request) error {
	f, err := twilioForm(r, "CallSid", "CallStatus")
	if err != nil {
		return err
	}
	if twilioEnded[f.Get("CallStatus")] {
		at := a.Clock.Now()
		if t, err := time.Parse(time.RFC1123Z, f.Get("Timestamp")); err == nil {
			at = t
		}
		if _, err := a.DialDetection.HandleCall(r.Context(), mayday.CallEvent{Type: mayday.CallEventEnded,
			CallID: f.Get("CallSid"), OccurredAt: at}); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// twilioAnswered are the outcomes of a <Dial> whose callee answered.
var twilioAnswered = map[string]bool{"completed": true, "answered": true}

// twilioInbound is the Voice URL of the pool numbers. A callback with a
// live lease rings the agent's client at once; the <Dial>'s action comes
// back here with DialCallStatus, and an unanswered ring goes on to the
// fallback (verbs after a <Dial> would also run after an answered call).
func (a *API) twilioInbound(w http.ResponseWriter, r *http.Request) error {
	// No From required: a callback from a withheld number must still ring.
	f, err := twilioForm(r, "CallSid", "To")
	if err != nil {
		return err
	}
	if status := f.Get("DialCallStatus"); status != "" {
		if twilioAnswered[status] {
			return writeTwiML(w, twiml.VoiceHangup{})
		}
		a.Log.Warn("twilio inbound: the agent did not answer the callback; ringing the fallback", "callId", f.Get("CallSid"),
			"dialCallStatus", status)
		return a.twilioFallback(w, a.PriorityCallbackRouting.Fallback())
	}
	d, err := a.PriorityCallbackRouting.Route(r.Context(), mayday.InboundCall{CallID: f.Get("CallSid"), From: f.Get("From"), To: f.Get("To")})
	if err != nil {
		return err
	}
	switch d.Route {
	case mayday.RouteAgent:
		action, _, _ := strings.Cut(a.twilioURL(r), "?")
		return writeTwiML(w, twiml.VoiceDial{Timeout: fmt.Sprint(int(CallbackRingTimeout.Seconds())), AnswerOnBridge: "true",
			Action: action, Method: http.MethodPost, InnerElements: []twiml.Element{twiml.VoiceClient{Identity: d.AgentID}}})
	case mayday.RouteFallback:
		return a.twilioFallback(w, d)
	}
	return a.twilioOrdinary(w, "call to a number that is not a callback number")
}

// twilioFallback dials the fallback destination: an E.164 number as a
// number, client:<identity> as a Voice SDK client. Anything else cannot be
// dialled: the callback goes to the customer's own voice application
// rather than nowhere.
func (a *API) twilioFallback(w http.ResponseWriter, d mayday.RouteDecision) error {
	id, n, err := settings.TwilioTarget(d.Target)
	if err != nil {
		// Checked when the function starts; reached only by a runner wired
		// around that check.
		a.Log.Error("twilio inbound: MAYDAY_CALLBACK_FALLBACK is neither an E.164 number nor client:<identity>; handing the callback to the ordinary voice application")
		return a.twilioOrdinary(w, "callback with no dialable fallback")
	}
	var callee twiml.Element = twiml.VoiceNumber{PhoneNumber: n}
	if id != "" {
		callee = twiml.VoiceClient{Identity: id}
	}
	return writeTwiML(w, twiml.VoiceDial{AnswerOnBridge: "true", InnerElements: []twiml.Element{callee}})
}
