package awsfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Location is a fake of Amazon Location Service's SearchPlaceIndexForText
// (REST-JSON: POST /places/v0/indexes/{IndexName}/search/text), over place
// indexes holding the places a test declares. It refuses what AWS refuses
// (an unsigned request or one not signed for the "geo" service, an unknown
// index, out-of-range parameters) with AWS's error shapes.
//
// A search scores each place of the index in the filtered countries by the
// share of its address parts — house number, street, municipality, postal
// code — whose every word is in the text, and answers those that share any,
// best first. As Amazon Location documents, only an Esri or Grab index
// returns Relevance, and only HERE or Grab a PlaceId.
type Location struct {
	URL string // the endpoint (AWS_ENDPOINT_URL_LOCATION)
	// Delay holds every answer back, for callers' deadlines.
	Delay time.Duration

	srv      *httptest.Server
	mu       sync.Mutex
	indexes  map[string]*placeIndex
	requests []LocationRequest
	faults
}

// Place is a place as Amazon Location describes it (its Place type).
type Place struct {
	Label         string    `json:",omitempty"`
	Geometry      *Geometry `json:",omitempty"`
	AddressNumber string    `json:",omitempty"`
	Street        string    `json:",omitempty"`
	Neighborhood  string    `json:",omitempty"`
	Municipality  string    `json:",omitempty"`
	SubRegion     string    `json:",omitempty"`
	Region        string    `json:",omitempty"`
	Country       string    `json:",omitempty"` // ISO 3166 alpha-3
	PostalCode    string    `json:",omitempty"`
	Interpolated  *bool     `json:",omitempty"`
	TimeZone      *TimeZone `json:",omitempty"`
}

// Geometry is a place's point: longitude, latitude.
type Geometry struct{ Point []float64 }

// TimeZone is a place's time zone.
type TimeZone struct {
	Name   string
	Offset *int `json:",omitempty"`
}

// LocationRequest is a search as the fake received it.
type LocationRequest struct {
	Index string
	// Service and Region are the SigV4 credential scope's.
	Service, Region string
	Text            string
	FilterCountries []string
	MaxResults      int
}

// LocationError is an error answer: HTTP status and error type, e.g. 429
// ThrottlingException.
type LocationError struct {
	Status int
	Type   string
}

type placeIndex struct {
	dataSource string
	places     []Place
}

// NewLocation starts the fake; Close stops it.
func NewLocation() *Location {
	l := &Location{indexes: map[string]*placeIndex{}}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serve))
	l.URL = l.srv.URL
	return l
}

// Close stops the server.
func (l *Location) Close() { l.srv.Close() }

// AddIndex creates a place index on a data source (Esri, Here, Grab).
func (l *Location) AddIndex(name, dataSource string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.indexes[name] == nil {
		l.indexes[name] = &placeIndex{dataSource: dataSource}
	}
}

// AddPlace puts a place in an index.
func (l *Location) AddPlace(index string, p Place) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	ix := l.indexes[index]
	if ix == nil {
		return fmt.Errorf("no place index %s", index)
	}
	ix.places = append(ix.places, p)
	return nil
}

// faults are the errors a test injects into a fake.
type faults struct {
	mu sync.Mutex
	q  []LocationError
}

// FailNext answers the next well-formed requests with these errors, one
// each (e.g. 429 ThrottlingException).
func (f *faults) FailNext(errs ...LocationError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.q = append(f.q, errs...)
}

// next takes the next injected error, as an answer.
func (f *faults) next() *locationError {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.q) == 0 {
		return nil
	}
	e := f.q[0]
	f.q = f.q[1:]
	return &locationError{e.Status, e.Type, "injected"}
}

// Requests are the searches received, in order (refused ones included).
func (l *Location) Requests() []LocationRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.requests)
}

var (
	searchTextPath = regexp.MustCompile(`^/places/v0/indexes/([-._\w]{1,100})/search/text$`)
	// credentialScope: "Credential=<key>/<date>/<region>/<service>/aws4_request".
	credentialScope = regexp.MustCompile(`Credential=[^/,]+/\d{8}/([^/,]+)/([^/,]+)/aws4_request`)
	alpha3          = regexp.MustCompile(`^[A-Z]{3}$`)
)

// locationError is a REST-JSON error answer.
type locationError struct {
	status       int
	typ, message string
}

func (l *Location) serve(w http.ResponseWriter, r *http.Request) {
	// The body is read first: only then does the server notice a client
	// that gives up, and end the request's context.
	body, err := io.ReadAll(r.Body)
	if l.Delay > 0 {
		select {
		case <-time.After(l.Delay):
		case <-r.Context().Done():
			return
		}
	}
	out, e := l.search(r, body, err)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", fmt.Sprintf("%d", time.Now().UnixNano()))
	if e != nil {
		w.Header().Set("X-Amzn-Errortype", e.typ)
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": e.message})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

type searchTextInput struct {
	Text             *string
	FilterCountries  []string
	MaxResults       *int
	BiasPosition     []float64
	FilterBBox       []float64
	FilterCategories []string
	Language         string
	Key              string
}

type searchResult struct {
	Place     Place
	Relevance *float64 `json:",omitempty"`
	PlaceId   string   `json:",omitempty"`
}

type searchSummary struct {
	Text            string
	DataSource      string
	FilterCountries []string `json:",omitempty"`
	MaxResults      int      `json:",omitempty"`
}

type searchTextOutput struct {
	Summary searchSummary
	Results []searchResult
}

func (l *Location) search(r *http.Request, body []byte, err error) (*searchTextOutput, *locationError) {
	m := searchTextPath.FindStringSubmatch(r.URL.Path)
	if r.Method != http.MethodPost || m == nil {
		return nil, &locationError{http.StatusNotFound, "UnknownOperationException", r.Method + " " + r.URL.Path}
	}
	req := LocationRequest{Index: m[1]}
	if s := credentialScope.FindStringSubmatch(r.Header.Get("Authorization")); s != nil &&
		strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") && r.Header.Get("X-Amz-Date") != "" {
		req.Region, req.Service = s[1], s[2]
	}
	var in searchTextInput
	if err == nil {
		err = json.Unmarshal(body, &in)
	}
	req.Text, req.FilterCountries = deref(in.Text), in.FilterCountries
	if in.MaxResults != nil {
		req.MaxResults = *in.MaxResults
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.requests = append(l.requests, req)
	bad := func(msg string) *locationError {
		return &locationError{http.StatusBadRequest, "ValidationException", msg}
	}
	switch {
	case req.Service == "":
		return nil, &locationError{http.StatusForbidden, "AccessDeniedException", "request not signed with SigV4"}
	case req.Service != "geo":
		return nil, &locationError{http.StatusForbidden, "AccessDeniedException", "signed for service " + req.Service + ", not geo"}
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		return nil, bad("content type " + r.Header.Get("Content-Type"))
	case err != nil:
		return nil, bad("body: " + err.Error())
	case in.Text == nil || len([]rune(*in.Text)) < 1 || len([]rune(*in.Text)) > 200:
		return nil, bad("Text must be 1 to 200 characters")
	case in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 50):
		return nil, bad("MaxResults must be 1 to 50")
	case in.BiasPosition != nil && in.FilterBBox != nil:
		return nil, bad("BiasPosition and FilterBBox are mutually exclusive")
	case in.FilterCountries != nil && (len(in.FilterCountries) < 1 || len(in.FilterCountries) > 100):
		return nil, bad("FilterCountries must have 1 to 100 members")
	}
	for _, c := range in.FilterCountries {
		if !alpha3.MatchString(c) {
			return nil, bad("FilterCountries: " + c + " is not an ISO 3166 alpha-3 code")
		}
	}
	if e := l.next(); e != nil {
		return nil, e
	}
	ix := l.indexes[req.Index]
	if ix == nil {
		return nil, &locationError{http.StatusNotFound, "ResourceNotFoundException", "Place index " + req.Index + " not found"}
	}
	max := 50
	if in.MaxResults != nil {
		max = *in.MaxResults
	}
	out := &searchTextOutput{Summary: searchSummary{Text: *in.Text, DataSource: ix.dataSource,
		FilterCountries: in.FilterCountries, MaxResults: req.MaxResults}, Results: []searchResult{}}
	words := wordSet(*in.Text)
	type scored struct {
		p     Place
		i     int
		score float64
	}
	var found []scored
	for i, p := range ix.places {
		if in.FilterCountries != nil && !slices.Contains(in.FilterCountries, p.Country) {
			continue
		}
		if s := score(p, words); s > 0 {
			found = append(found, scored{p, i, s})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].score > found[j].score })
	for _, f := range found[:min(len(found), max)] {
		res := searchResult{Place: f.p}
		if res.Place.Geometry == nil {
			res.Place.Geometry = &Geometry{Point: []float64{0, 0}}
		}
		switch ix.dataSource {
		case "Esri":
			res.Relevance = &f.score
		case "Grab":
			res.Relevance, res.PlaceId = &f.score, fmt.Sprintf("%s-%d", req.Index, f.i)
		case "Here":
			res.PlaceId = fmt.Sprintf("%s-%d", req.Index, f.i)
		}
		out.Results = append(out.Results, res)
	}
	return out, nil
}

// score is the share of the place's address parts found in the text.
func score(p Place, words map[string]bool) float64 {
	n, hit := 0, 0
	for _, part := range []string{p.AddressNumber, p.Street, p.Municipality, p.PostalCode} {
		ws := wordSet(part)
		if len(ws) == 0 {
			continue
		}
		n++
		all := true
		for w := range ws {
			all = all && words[w]
		}
		if all {
			hit++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(hit) / float64(n)
}

func wordSet(s string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		out[w] = true
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
