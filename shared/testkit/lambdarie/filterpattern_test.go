package lambdarie

import "testing"

func TestMatchFilter(t *testing.T) {
	rejected := `{ $.message = "http" && ($.status = 401 || $.status = 403) }`
	tests := []struct {
		name, pattern, event string
		want, err            bool
	}{
		{"401 access line", rejected, `{"level":"INFO","message":"http","status":401}`, true, false},
		{"403 access line", rejected, `{"message":"http","status":403,"path":"/v1/telephony/events"}`, true, false},
		{"200 access line", rejected, `{"message":"http","status":200}`, false, false},
		{"401 in another message", rejected, `{"message":"dial","status":401}`, false, false},
		{"status as a string", rejected, `{"message":"http","status":"401"}`, false, false},
		{"not JSON", rejected, `START RequestId: 1 Version: $LATEST`, false, false},
		{"nested selector", `{ $.a.b >= 5 }`, `{"a":{"b":5}}`, true, false},
		{"not equal", `{ $.level != "ERROR" }`, `{"level":"INFO"}`, true, false},
		{"missing field", `{ $.level != "ERROR" }`, `{}`, false, false},
		{"text pattern", `"ERROR"`, `ERROR`, false, true},
		{"unclosed", `{ ($.a = 1 }`, `{}`, false, true},
		{"ordering on a string", `{ $.a < "x" }`, `{}`, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MatchFilter(tc.pattern, tc.event)
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("MatchFilter(%q, %q) = %v, %v; want %v, error %v", tc.pattern, tc.event, got, err, tc.want, tc.err)
			}
		})
	}
}
