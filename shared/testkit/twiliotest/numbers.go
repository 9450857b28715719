package twiliotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Numbers is a local fake of Twilio's REST API for an account's phone
// numbers: GET /2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers.json,
// answered with the documented JSON (paged, next_page_uri), filtered by
// PhoneNumber as Twilio filters (a part of the number, '*' for any digit).
// It checks what Twilio checks: HTTP basic auth with the account SID and
// auth token (else 401), the account in the path (else 404), and the query
// parameters the resource takes (another fails the test).
type Numbers struct {
	*httptest.Server
	AccountSID, AuthToken string

	t        testing.TB
	mu       sync.Mutex
	numbers  []Number
	requests []url.Values
	failNext int
}

// Number is one of the account's phone numbers, with its emergency
// calling fields as the resource has them.
type Number struct {
	PhoneNumber string
	// EmergencyAddressSID is the registered address (AD...), "" for none.
	EmergencyAddressSID string
	// EmergencyStatus is Active or Inactive; EmergencyAddressStatus one of
	// registered, unregistered, pending-registration, registration-failure,
	// pending-unregistration, unregistration-failure.
	EmergencyStatus, EmergencyAddressStatus string
	// VoiceFallbackURL is what Twilio fetches when the number's Voice URL
	// fails, "" for none.
	VoiceFallbackURL string
}

// Registered is number with an emergency address registered and a Voice
// Fallback URL (a TwiML Bin).
func Registered(number string) Number {
	return Number{PhoneNumber: number, EmergencyAddressSID: addressSID(number),
		EmergencyStatus: "Active", EmergencyAddressStatus: "registered",
		VoiceFallbackURL: "https://handler.twilio.com/twiml/EH00000000000000000000000000000000"}
}

// Unregistered is number with no emergency address.
func Unregistered(number string) Number {
	return Number{PhoneNumber: number, EmergencyStatus: "Active", EmergencyAddressStatus: "unregistered"}
}

// addressSID is an emergency address SID made from the number's digits.
func addressSID(number string) string {
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, number)
	return "AD" + strings.Repeat("0", max(0, 32-len(d))) + d
}

// NewNumbers starts the fake with the account's numbers; it is closed with
// the test.
func NewNumbers(t testing.TB, numbers ...Number) *Numbers {
	f := &Numbers{t: t, AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "0123456789abcdef0123456789abcdef",
		numbers: numbers}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// Set replaces the account's numbers.
func (f *Numbers) Set(numbers ...Number) {
	f.mu.Lock()
	f.numbers = numbers
	f.mu.Unlock()
}

// FailNext answers the next n requests with 503, as an outage would.
func (f *Numbers) FailNext(n int) {
	f.mu.Lock()
	f.failNext = n
	f.mu.Unlock()
}

// Requests lists the query of each request received.
func (f *Numbers) Requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

var (
	numbersPath = regexp.MustCompile(`^/2010-04-01/Accounts/([^/]+)/IncomingPhoneNumbers\.json$`)
	// listParams are the query parameters of the list resource.
	listParams = []string{"Beta", "FriendlyName", "PhoneNumber", "Origin", "PageSize", "Page", "PageToken"}
)

func (f *Numbers) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, q)
	if !Admit(w, r, f.AccountSID, f.AuthToken, &f.failNext) {
		return
	}
	m := numbersPath.FindStringSubmatch(r.URL.Path)
	if m == nil || m[1] != f.AccountSID || r.Method != http.MethodGet {
		Error(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
		return
	}
	for k := range q {
		if !slices.Contains(listParams, k) {
			f.t.Errorf("twilio numbers fake: query parameter %q is not one of the list resource's", k)
			Error(w, http.StatusBadRequest, 20001, "Invalid parameter "+k)
			return
		}
	}
	size, page := 50, 0
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			Error(w, http.StatusBadRequest, 20001, "PageSize must be between 1 and 1000")
			return
		}
		size = n
	}
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			Error(w, http.StatusBadRequest, 20001, "Invalid Page")
			return
		}
		page = n
	}
	var match []Number
	for _, n := range f.numbers {
		if matches(n.PhoneNumber, q.Get("PhoneNumber")) {
			match = append(match, n)
		}
	}
	start := min(page*size, len(match))
	end := min(start+size, len(match))
	base := r.URL.Path
	pageURI := func(p int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("PageSize", strconv.Itoa(size))
		v.Set("Page", strconv.Itoa(p))
		return base + "?" + v.Encode()
	}
	out := map[string]any{"first_page_uri": pageURI(0), "uri": pageURI(page), "page": page, "page_size": size,
		"start": start, "end": max(start, end-1), "next_page_uri": nil, "previous_page_uri": nil,
		"incoming_phone_numbers": []any{}}
	if end < len(match) {
		out["next_page_uri"] = pageURI(page + 1)
	}
	if page > 0 {
		out["previous_page_uri"] = pageURI(page - 1)
	}
	list := []any{}
	for i, n := range match[start:end] {
		list = append(list, f.resource(start+i, n))
	}
	out["incoming_phone_numbers"] = list
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// resource is a number as the API returns it.
func (f *Numbers) resource(i int, n Number) map[string]any {
	sid := fmt.Sprintf("PN%032x", i+1)
	var addr any
	if n.EmergencyAddressSID != "" {
		addr = n.EmergencyAddressSID
	}
	return map[string]any{"account_sid": f.AccountSID, "sid": sid, "phone_number": n.PhoneNumber, "friendly_name": n.PhoneNumber,
		"capabilities":     map[string]bool{"voice": true, "sms": true, "mms": true, "fax": false},
		"emergency_status": n.EmergencyStatus, "emergency_address_sid": addr, "emergency_address_status": n.EmergencyAddressStatus,
		"origin": "twilio", "status": "in-use", "api_version": "2010-04-01", "voice_method": "POST",
		"voice_fallback_url": n.VoiceFallbackURL, "voice_fallback_method": "POST",
		"date_created": "Thu, 30 Jul 2015 23:19:04 +0000", "date_updated": "Thu, 30 Jul 2015 23:19:04 +0000",
		"uri": "/2010-04-01/Accounts/" + f.AccountSID + "/IncomingPhoneNumbers/" + sid + ".json"}
}

// matches is Twilio's PhoneNumber filter: the number contains the pattern,
// '*' standing for any digit.
func matches(number, pattern string) bool {
	if pattern == "" {
		return true
	}
	re := regexp.MustCompile(strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, `[0-9]`))
	return re.MatchString(number)
}

// Admit answers a request as Twilio's REST API does when it lacks the
// account's basic auth (401), or during an outage of *failNext more
// requests (503), and reports whether the fake may serve it.
func Admit(w http.ResponseWriter, r *http.Request, accountSID, authToken string, failNext *int) bool {
	if user, pass, ok := r.BasicAuth(); !ok || user != accountSID || pass != authToken {
		Error(w, http.StatusUnauthorized, 20003, "Authenticate")
		return false
	}
	if *failNext > 0 {
		*failNext--
		Error(w, http.StatusServiceUnavailable, 20503, "Service Unavailable")
		return false
	}
	return true
}

// Error answers Twilio's REST API error shape.
func Error(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status})
}
