package local

import (
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"

	"github.com/mayday/mayday/shared/console"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/settings"
)

// browserGuard refuses what a web page the operator visits could make the
// operator's browser send the runner. The peer address is always loopback
// then, so it says nothing: a request must name the runner by a loopback
// Host (a DNS-rebound name is another site's), and a request that changes
// something must not come from another origin (Origin, Sec-Fetch-Site) nor
// carry a type a cross-site form or no-cors fetch can send without a
// preflight. The webhooks are exempt: their signature authenticates them,
// Twilio posts forms, and behind a tunnel their Host is the tunnel's.
func browserGuard(next http.Handler) http.Handler {
	signed := http.NewServeMux()
	for _, r := range httpapi.Routes {
		if r.Access != httpapi.Admin {
			signed.Handle(r.Method+" "+r.Path, http.NotFoundHandler())
		}
	}
	origin := http.NewCrossOriginProtection()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := signed.Handler(r); pattern != "" {
			next.ServeHTTP(w, r)
			return
		}
		refuse := func(status int, msg string) {
			if strings.HasPrefix(r.URL.Path, invokePrefix) {
				lambdaError(w, status, "AccessDeniedException", msg)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, "{\"error\":%q}\n", msg)
		}
		if !console.IsLoopbackHost(r.Host) {
			refuse(http.StatusForbidden, "the local runner answers to a loopback host name only (127.0.0.1, ::1, localhost)")
			return
		}
		if err := origin.Check(r); err != nil {
			refuse(http.StatusForbidden, "refused a cross-origin request: "+err.Error())
			return
		}
		if safe := r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions; !safe && formType(r) {
			// 415, as the API answers a wrong content type: what a cross-site
			// page can send without asking is never a JSON route's format.
			refuse(http.StatusUnsupportedMediaType, "content type "+r.Header.Get("Content-Type")+": a browser form's; send application/json")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formType: the request's content type is one a page may send another
// site without a CORS preflight.
func formType(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return r.Header.Get("Content-Type") != "" // unparsable: browsers send none such, refuse anyway
	}
	switch mt {
	case "application/x-www-form-urlencoded", "multipart/form-data", "text/plain":
		return true
	}
	return false
}

// checkExposure refuses to serve others with the secrets everyone knows:
// on an address other machines reach, or behind a public URL (a tunnel),
// a default secret lets anyone sign webhooks.
func (c Config) checkExposure() error {
	var where []string
	if host, _, err := net.SplitHostPort(c.Addr); err != nil || !console.IsLoopbackHost(host) {
		where = append(where, fmt.Sprintf("listening on %s (not a loopback address)", c.Addr))
	}
	if c.TwilioPublicURL != "" {
		where = append(where, "behind a public URL ("+settings.TwilioPublicURL.Env+")")
	}
	if len(where) == 0 {
		return nil
	}
	var set []string
	if c.Secret == settings.DevSecret || c.SecretPrevious == settings.DevSecret {
		set = append(set, settings.WebhookSecret.Env)
	}
	if c.TwilioAuthToken == settings.DevTwilioAuthToken {
		set = append(set, settings.TwilioAuthToken.Env)
	}
	if len(set) == 0 {
		return nil
	}
	return errors.New("local: " + strings.Join(where, " and ") + " with the default, public secrets: set " + strings.Join(set, " and ") +
		" (anyone could sign webhooks otherwise)")
}
