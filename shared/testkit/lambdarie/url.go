package lambdarie

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// URLResponse is what a Function URL answers the client.
type URLResponse struct {
	Status  int
	Headers map[string]string
	Body    []byte
	// Streamed: the function answered in the response-stream framing.
	Streamed bool
}

// urlRequest is the payload-2.0 event Lambda gives a function for an HTTP
// request to its Function URL. iam, when set, is the caller IAM
// authenticated (an AWS_IAM URL).
func urlRequest(method, pathAndQuery string, headers map[string]string, body []byte, iam bool) events.LambdaFunctionURLRequest {
	p, q, _ := strings.Cut(pathAndQuery, "?")
	now := time.Now().UTC()
	h := map[string]string{"host": "abcdefghij.lambda-url.us-east-1.on.aws", "user-agent": "mayday-rie-test",
		"x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.10"}
	if len(body) > 0 {
		h["content-type"] = "application/json"
	}
	for k, v := range headers {
		h[strings.ToLower(k)] = v // Function URLs lower-case header names
	}
	r := events.LambdaFunctionURLRequest{Version: "2.0", RawPath: p, RawQueryString: q, Headers: h, Body: string(body),
		RequestContext: events.LambdaFunctionURLRequestContext{AccountID: "anonymous", RequestID: fmt.Sprintf("req-%d", now.UnixNano()),
			APIID: "abcdefghij", DomainName: "abcdefghij.lambda-url.us-east-1.on.aws", DomainPrefix: "abcdefghij",
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: method, Path: p, Protocol: "HTTP/1.1",
				SourceIP: "192.0.2.10", UserAgent: "mayday-rie-test"}},
	}
	if q != "" {
		r.QueryStringParameters = map[string]string{}
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			r.QueryStringParameters[k] = v
		}
	}
	if iam {
		r.RequestContext.AccountID = "123456789012"
		r.RequestContext.Authorizer = &events.LambdaFunctionURLRequestContextAuthorizerDescription{
			IAM: &events.LambdaFunctionURLRequestContextAuthorizerIAMDescription{AccessKey: "ASIAEXAMPLE", AccountID: "123456789012",
				CallerID: "AROAEXAMPLE:operator", UserARN: "arn:aws:sts::123456789012:assumed-role/operator/operator", UserID: "AROAEXAMPLE:operator"}}
	}
	return r
}

// streamDelimiter separates a response stream's JSON prelude from its body.
var streamDelimiter = make([]byte, 8)

// DecodeURLResponse reads a Function URL function's answer: the
// response-stream framing (a JSON prelude with the status and headers,
// eight NUL bytes, the body) or a buffered LambdaFunctionURLResponse.
func DecodeURLResponse(raw []byte) (URLResponse, error) {
	if i := bytes.Index(raw, streamDelimiter); i > 0 && json.Valid(raw[:i]) {
		var prelude struct {
			StatusCode int               `json:"statusCode"`
			Headers    map[string]string `json:"headers"`
		}
		if err := json.Unmarshal(raw[:i], &prelude); err != nil {
			return URLResponse{}, fmt.Errorf("response stream prelude: %w", err)
		}
		return URLResponse{Status: prelude.StatusCode, Headers: prelude.Headers, Body: raw[i+len(streamDelimiter):], Streamed: true}, nil
	}
	if fe := functionError(raw); fe != "" {
		return URLResponse{}, fmt.Errorf("function error: %s", raw)
	}
	var r events.LambdaFunctionURLResponse
	if err := json.Unmarshal(raw, &r); err != nil || r.StatusCode == 0 {
		return URLResponse{}, fmt.Errorf("not a Function URL response: %q", raw)
	}
	return URLResponse{Status: r.StatusCode, Headers: r.Headers, Body: []byte(r.Body)}, nil
}

// CallURL sends one HTTP request to a Function URL function, as Lambda's
// URL front end does: a 502 when the function fails.
func (d *Deployment) CallURL(ctx context.Context, function, method, path string, headers map[string]string, body []byte) (URLResponse, error) {
	f, ok := d.functions[function]
	if !ok || f.url == "" {
		return URLResponse{}, fmt.Errorf("function %s has no Function URL in the template", function)
	}
	ev, _ := json.Marshal(urlRequest(method, path, headers, body, f.url == "AWS_IAM"))
	raw, err := f.proc.Invoke(ctx, ev)
	if err != nil {
		return URLResponse{}, err
	}
	r, err := DecodeURLResponse(raw)
	if err != nil {
		return URLResponse{Status: http.StatusBadGateway}, fmt.Errorf("%s %s %s: %w", function, method, path, err)
	}
	if f.streaming != r.Streamed {
		return r, fmt.Errorf("%s: the URL's invoke mode is %s but the function answered streamed=%v", function, f.invokeMode, r.Streamed)
	}
	return r, nil
}
