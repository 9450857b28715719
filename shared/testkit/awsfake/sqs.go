// Package awsfake holds local stand-ins for the AWS APIs that have no
// emulator here, each at its documented wire contract so that the real SDK
// client (pointed at it with AWS_ENDPOINT_URL_<SERVICE>) talks to it
// unchanged: SQS (AWS JSON 1.0), Secrets Manager GetSecretValue (AWS JSON
// 1.1), the Parameters and Secrets Lambda extension's local endpoint, and
// Amazon Location's SearchPlaceIndexForText (REST-JSON).
// Each checks what it is sent and answers AWS's error shapes.
package awsfake

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// awsJSON serves an AWS JSON protocol API: one POST per call, the operation
// in X-Amz-Target ("<prefix>.<Operation>").
type awsJSON struct {
	contentType string // application/x-amz-json-1.0 or -1.1
	prefix      string
	ops         map[string]func(body []byte) (any, error)
}

// apiError is an AWS JSON error answer.
type apiError struct {
	Status  int
	Type    string // the __type, e.g. "com.amazonaws.sqs#QueueDoesNotExist"
	Message string
}

func (e *apiError) Error() string { return e.Type + ": " + e.Message }

func (a awsJSON) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), a.prefix+".")
	handle := a.ops[op]
	var err error
	var out any
	switch {
	case r.Method != http.MethodPost || !ok || handle == nil:
		err = &apiError{http.StatusBadRequest, "UnknownOperationException", "unsupported operation " + r.Header.Get("X-Amz-Target")}
	case !strings.HasPrefix(r.Header.Get("Content-Type"), a.contentType):
		err = &apiError{http.StatusBadRequest, "SerializationException", "content type " + r.Header.Get("Content-Type")}
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 "):
		err = &apiError{http.StatusForbidden, "MissingAuthenticationTokenException", "request not signed"}
	default:
		var body []byte
		body, err = io.ReadAll(r.Body)
		if err == nil {
			out, err = handle(body)
		}
	}
	w.Header().Set("Content-Type", a.contentType)
	if err != nil {
		e, ok := err.(*apiError)
		if !ok {
			e = &apiError{http.StatusBadRequest, "ValidationException", err.Error()}
		}
		w.Header().Set("X-Amzn-ErrorType", e.Type)
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": e.Type, "message": e.Message})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

// SQS is a fake of SQS's standard queues: SendMessage, ReceiveMessage (with
// visibility timeouts), DeleteMessage, ChangeMessageVisibility.
type SQS struct {
	URL    string // the endpoint (AWS_ENDPOINT_URL_SQS)
	srv    *httptest.Server
	mu     sync.Mutex
	queues map[string]*queue // by name
	seq    int
}

type queue struct {
	name     string
	messages []*message
}

type message struct {
	ID, Body   string
	Attributes map[string]MessageAttribute
	receipt    string
	hiddenTill time.Time
	receives   int
}

// MessageAttribute is an SQS message attribute (String type only).
type MessageAttribute struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
}

// NewSQS starts the fake; Close stops it.
func NewSQS() *SQS {
	s := &SQS{queues: map[string]*queue{}}
	s.srv = httptest.NewServer(awsJSON{contentType: "application/x-amz-json-1.0", prefix: "AmazonSQS", ops: map[string]func([]byte) (any, error){
		"SendMessage":             s.send,
		"ReceiveMessage":          s.receive,
		"DeleteMessage":           s.delete,
		"ChangeMessageVisibility": s.changeVisibility,
	}})
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *SQS) Close() { s.srv.Close() }

// CreateQueue makes a queue and returns its URL (as SQS spells it:
// endpoint/account/name) and ARN.
func (s *SQS) CreateQueue(name string) (url, arn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queues[name] == nil {
		s.queues[name] = &queue{name: name}
	}
	return s.URL + "/123456789012/" + name, "arn:aws:sqs:us-east-1:123456789012:" + name
}

// QueueByARN returns the URL of a queue created with CreateQueue, by ARN.
func (s *SQS) QueueByARN(arn string) (string, bool) {
	name := arn[strings.LastIndex(arn, ":")+1:]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.queues[name] == nil {
		return "", false
	}
	return s.URL + "/123456789012/" + name, true
}

// Messages returns the bodies of a queue's messages (visible or not).
func (s *SQS) Messages(url string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.queues[url[strings.LastIndex(url, "/")+1:]]
	if q == nil {
		return nil
	}
	var out []string
	for _, m := range q.messages {
		out = append(out, m.Body)
	}
	return out
}

// Put enqueues a message directly (as AWS would deliver it).
func (s *SQS) Put(url, body string, attrs map[string]MessageAttribute) error {
	_, err := s.put(url, body, attrs)
	return err
}

func (s *SQS) put(url, body string, attrs map[string]MessageAttribute) (*message, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(url)
	if err != nil {
		return nil, err
	}
	s.seq++
	m := &message{ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq), Body: body, Attributes: attrs}
	q.messages = append(q.messages, m)
	return m, nil
}

// queue resolves a QueueUrl; s.mu is held.
func (s *SQS) queue(url string) (*queue, error) {
	q := s.queues[url[strings.LastIndex(url, "/")+1:]]
	if q == nil || !strings.HasPrefix(url, s.URL+"/") {
		return nil, &apiError{http.StatusBadRequest, "com.amazonaws.sqs#QueueDoesNotExist", "The specified queue does not exist."}
	}
	return q, nil
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (s *SQS) send(body []byte) (any, error) {
	var in struct {
		QueueUrl          string
		MessageBody       string
		MessageAttributes map[string]MessageAttribute
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if in.MessageBody == "" {
		return nil, &apiError{http.StatusBadRequest, "com.amazonaws.sqs#MissingParameter", "MessageBody is required"}
	}
	m, err := s.put(in.QueueUrl, in.MessageBody, in.MessageAttributes)
	if err != nil {
		return nil, err
	}
	return map[string]string{"MessageId": m.ID, "MD5OfMessageBody": md5hex(m.Body)}, nil
}

func (s *SQS) receive(body []byte) (any, error) {
	var in struct {
		QueueUrl              string
		MaxNumberOfMessages   int
		VisibilityTimeout     *int
		WaitTimeSeconds       int
		MessageAttributeNames []string
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if in.MaxNumberOfMessages == 0 {
		in.MaxNumberOfMessages = 1
	}
	if in.MaxNumberOfMessages > 10 || in.WaitTimeSeconds > 20 {
		return nil, &apiError{http.StatusBadRequest, "com.amazonaws.sqs#InvalidParameterValue", "MaxNumberOfMessages 1-10, WaitTimeSeconds 0-20"}
	}
	visibility := 30 * time.Second
	if in.VisibilityTimeout != nil {
		visibility = time.Duration(*in.VisibilityTimeout) * time.Second
	}
	all := len(in.MessageAttributeNames) > 0 // "All" or named: this fake returns all of them
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queue(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	type outMessage struct {
		MessageId         string
		ReceiptHandle     string
		MD5OfBody         string
		Body              string
		MessageAttributes map[string]MessageAttribute `json:",omitempty"`
	}
	out := []outMessage{}
	now := time.Now()
	for _, m := range q.messages {
		if len(out) == in.MaxNumberOfMessages {
			break
		}
		if now.Before(m.hiddenTill) {
			continue
		}
		s.seq++
		m.receipt, m.hiddenTill, m.receives = fmt.Sprintf("receipt-%s-%d", m.ID, s.seq), now.Add(visibility), m.receives+1
		om := outMessage{MessageId: m.ID, ReceiptHandle: m.receipt, MD5OfBody: md5hex(m.Body), Body: m.Body}
		if all {
			om.MessageAttributes = m.Attributes
		}
		out = append(out, om)
	}
	return map[string]any{"Messages": out}, nil
}

// byReceipt finds a message by its latest receipt handle; s.mu is held.
func (s *SQS) byReceipt(url, receipt string) (*queue, int, error) {
	q, err := s.queue(url)
	if err != nil {
		return nil, 0, err
	}
	for i, m := range q.messages {
		if m.receipt != "" && m.receipt == receipt {
			return q, i, nil
		}
	}
	return q, -1, nil
}

func (s *SQS) delete(body []byte) (any, error) {
	var in struct{ QueueUrl, ReceiptHandle string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, i, err := s.byReceipt(in.QueueUrl, in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	if i >= 0 { // an unknown handle is not an error in SQS either
		q.messages = append(q.messages[:i], q.messages[i+1:]...)
	}
	return struct{}{}, nil
}

func (s *SQS) changeVisibility(body []byte) (any, error) {
	var in struct {
		QueueUrl, ReceiptHandle string
		VisibilityTimeout       int
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q, i, err := s.byReceipt(in.QueueUrl, in.ReceiptHandle)
	if err != nil {
		return nil, err
	}
	if i < 0 {
		return nil, &apiError{http.StatusBadRequest, "com.amazonaws.sqs#ReceiptHandleIsInvalid", "The input receipt handle is invalid."}
	}
	q.messages[i].hiddenTill = time.Now().Add(time.Duration(in.VisibilityTimeout) * time.Second)
	return struct{}{}, nil
}
