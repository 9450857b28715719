package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// SMS is a fake of AWS End User Messaging SMS's SendTextMessage (the
// pinpoint-sms-voice-v2 API: AWS JSON 1.0, POST / with X-Amz-Target
// PinpointSMSVoiceV2.SendTextMessage). It refuses what AWS refuses — an
// unsigned request or one not signed for the "sms-voice" service, another
// operation or protocol, a missing or malformed required parameter, an
// origination identity it does not hold — with AWS JSON error shapes, and
// keeps what it accepted.
type SMS struct {
	URL string // the endpoint (AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2)

	srv        *httptest.Server
	mu         sync.Mutex
	identities []string
	sent       []SMSRequest
	faults
	seq int
}

// SMSRequest is a SendTextMessage as the fake received it.
type SMSRequest struct {
	// Service and Region are the SigV4 credential scope's.
	Service, Region        string
	DestinationPhoneNumber string
	OriginationIdentity    string
	MessageBody            string
	MessageType            string
	TimeToLive             int
	Context                map[string]string
	// MessageID is what the fake answered (accepted requests only).
	MessageID string
}

// NewSMS starts the fake, holding the given origination identities (phone
// numbers, pool or sender ids, or their ARNs); Close stops it.
func NewSMS(identities ...string) *SMS {
	s := &SMS{identities: identities}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *SMS) Close() { s.srv.Close() }

// Sent lists the accepted messages, in order.
func (s *SMS) Sent() []SMSRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

var e164Number = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

func (s *SMS) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req, status, typ, msg := s.check(r, body)
	if typ == "" {
		if e := s.next(); e != nil {
			status, typ, msg = e.status, e.typ, e.message
		}
	}
	s.mu.Lock()
	if typ == "" {
		s.seq++
		req.MessageID = fmt.Sprintf("fake-sms-%04d", s.seq)
		s.sent = append(s.sent, req)
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("fake-%d", s.seq))
	if typ != "" {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": req.MessageID})
}

// check validates a request as AWS would, answering the error's status,
// type and message ("" when the request is good).
func (s *SMS) check(r *http.Request, body []byte) (SMSRequest, int, string, string) {
	var req SMSRequest
	if m := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		req.Region, req.Service = m[1], m[2]
	}
	switch {
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") || r.Header.Get("X-Amz-Date") == "":
		return req, 400, "MissingAuthenticationTokenException", "request is not signed"
	case req.Service != "sms-voice":
		return req, 403, "InvalidSignatureException", "credential should be scoped to correct service: 'sms-voice'"
	case r.Method != http.MethodPost || r.URL.Path != "/":
		return req, 404, "UnknownOperationException", "POST / only"
	case r.Header.Get("Content-Type") != "application/x-amz-json-1.0":
		return req, 400, "SerializationException", "Content-Type must be application/x-amz-json-1.0"
	case r.Header.Get("X-Amz-Target") != "PinpointSMSVoiceV2.SendTextMessage":
		return req, 400, "UnknownOperationException", "unknown operation " + r.Header.Get("X-Amz-Target")
	}
	var in struct {
		DestinationPhoneNumber *string
		OriginationIdentity    *string
		MessageBody            *string
		MessageType            *string
		TimeToLive             *int
		Context                map[string]string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return req, 400, "SerializationException", err.Error()
	}
	deref := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	req.DestinationPhoneNumber, req.OriginationIdentity, req.MessageBody = deref(in.DestinationPhoneNumber), deref(in.OriginationIdentity), deref(in.MessageBody)
	req.MessageType, req.Context = deref(in.MessageType), in.Context
	if in.TimeToLive != nil {
		req.TimeToLive = *in.TimeToLive
	}
	switch {
	case !e164Number.MatchString(req.DestinationPhoneNumber):
		return req, 400, "ValidationException", "DestinationPhoneNumber must be E.164"
	case req.MessageBody == "" || len([]rune(req.MessageBody)) > 1600:
		return req, 400, "ValidationException", "MessageBody must be 1 to 1600 characters"
	case req.MessageType != "" && req.MessageType != "TRANSACTIONAL" && req.MessageType != "PROMOTIONAL":
		return req, 400, "ValidationException", "MessageType must be TRANSACTIONAL or PROMOTIONAL"
	case in.TimeToLive != nil && (req.TimeToLive < 5 || req.TimeToLive > 259200):
		return req, 400, "ValidationException", "TimeToLive must be 5 to 259200 seconds"
	case req.OriginationIdentity != "" && !slices.Contains(s.identities, req.OriginationIdentity):
		return req, 400, "ResourceNotFoundException", "origination identity not found"
	}
	return req, 0, "", ""
}
