// Package twiliotest sends requests as Twilio Programmable Voice does: the
// form-encoded samples of testdata/twilio/, signed with Twilio's algorithm.
// The signer is written here from Twilio's description, apart from the
// validator the service uses, so that a mistake in how the service rebuilds
// the URL Twilio called fails the tests.
package twiliotest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Sign is X-Twilio-Signature for a POST of form to fullURL (the URL Twilio
// called, with its query): base64 of HMAC-SHA1, keyed with the auth token,
// over the URL followed by each parameter's name and value, sorted by name.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range form[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Sample is testdata/twilio/<name>.form with parameters set (an empty value
// removes the parameter); a Timestamp is now, as Twilio would send it.
func Sample(name string, set map[string]string) (url.Values, error) {
	return SampleIn(Dir(), name, set)
}

// SampleIn is Sample read from dir, a copy of testdata/twilio/.
func SampleIn(dir, name string, set map[string]string) (url.Values, error) {
	b, err := os.ReadFile(filepath.Join(dir, name+".form"))
	if err != nil {
		return nil, err
	}
	form, err := url.ParseQuery(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if form.Has("Timestamp") {
		form.Set("Timestamp", time.Now().UTC().Format(time.RFC1123Z))
	}
	for k, v := range set {
		if v == "" {
			form.Del(k)
		} else {
			form.Set(k, v)
		}
	}
	return form, nil
}

// Dir is the repository's testdata/twilio/, found from this file.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "twilio")
}
