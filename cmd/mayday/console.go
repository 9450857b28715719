package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/console"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/sesmailer"
	"github.com/mayday/mayday/shared/settings"
)

var consoleCommand = &command{
	name: "console", operator: true,
	args:    "[-admin-url URL] [-addr ADDR]",
	summary: "the web console against the deployed stack, on this machine (admin calls signed with your AWS credentials)",
	about: `Serves the console and the agent desks on a loopback address and forwards
their admin calls (/v1/...) to the stack's admin Function URL, each signed with
SigV4 (service lambda) with your AWS credentials: nothing new is exposed, and the
Function URL's IAM authorisation decides what you may do (your role needs
lambda:InvokeFunctionUrl and lambda:InvokeFunction on the admin function: the
stack's AdminInvokePolicyArn policy). The email template is
read from and pushed to SES as "mayday template push" does. The bus's events and
dead letters are only in the local runner's console (mayday local).
It prints its URL with a token made for the run: only a browser that opened
that URL is answered. The admin URL must be https.`,
	env:      []envVar{required(settings.AdminURL), {Setting: settings.ConsoleAddr}},
	otherEnv: []otherVar{awsCredentials, sesEndpoint},
	run:      runConsole,
}

func runConsole(ctx context.Context, c *call, args []string) error {
	adminURL := c.flags.String("admin-url", "", fmt.Sprintf("the admin Function `URL` (default: %s; the stack's AdminUrl output)", settings.AdminURL.Env))
	addr := c.flags.String("addr", "", fmt.Sprintf("loopback `address` to listen on (default: %s, else %s)", settings.ConsoleAddr.Env, settings.ConsoleAddr.Default))
	rest, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return c.usageErrorf("unexpected arguments %q", rest)
	}
	envURL, err := settings.AdminURL.Get(os.LookupEnv)
	if err != nil {
		return err
	}
	*adminURL = cmp.Or(*adminURL, envURL)
	if *adminURL == "" {
		return c.usageErrorf("-admin-url or %s is required (the stack's AdminUrl output)", settings.AdminURL.Env)
	}
	if err := settings.AdminURL.Check(*adminURL); err != nil {
		return c.usageErrorf("-admin-url %q: %v", *adminURL, err)
	}
	envAddr, err := settings.ConsoleAddr.Get(os.LookupEnv)
	if err != nil {
		return err
	}
	clients, err := awsclients.New(ctx)
	if err != nil {
		return err
	}
	if clients.Config.Region == "" {
		return errors.New("no AWS region: set AWS_REGION (the stack's region)")
	}
	log := slog.New(slog.NewTextHandler(c.stderr, nil))
	token, err := runToken()
	if err != nil {
		return err
	}
	h, err := consoleHandler(*adminURL, clients.Config, sesmailer.New(clients.SES, "", ""), token, log)
	if err != nil {
		return err
	}
	ln, err := listenLoopback(cmp.Or(*addr, envAddr))
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { <-ctx.Done(); _ = srv.Close() }()
	fmt.Fprintf(c.stdout, "Mayday console at http://%s/?token=%s (admin calls signed for %s in %s)\n"+
		"Open that URL: the console answers only a browser that did (the token is new each run).\nCtrl-C stops it.\n",
		ln.Addr(), token, *adminURL, clients.Config.Region)
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listenLoopback listens on addr, which must be a loopback address: the
// console acts with the operator's credentials.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: %w", addr, err)
	}
	if !console.IsLoopbackHost(host) {
		return nil, fmt.Errorf("address %q: the console listens on loopback only (it signs with your credentials)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return ln, nil
}

// consoleHandler serves the console, its admin calls forwarded to
// adminURL by a signing proxy.
func consoleHandler(adminURL string, cfg aws.Config, templates console.Templates, token string, log *slog.Logger) (http.Handler, error) {
	target, err := url.Parse(strings.TrimRight(adminURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("admin URL %q: %w", adminURL, err)
	}
	// The calls carry the operator's signature and the agents' data: http
	// only to a stand-in on this machine.
	if target.Scheme != "https" && (target.Scheme != "http" || !console.IsLoopbackHost(target.Host)) {
		return nil, fmt.Errorf("admin URL %q: want https (the stack's AdminUrl output)", adminURL)
	}
	if token == "" {
		return nil, errors.New("console: no run token")
	}
	proxy := &signingProxy{target: target, credentials: cfg.Credentials, region: cfg.Region,
		signer: v4.NewSigner(), client: &http.Client{Timeout: 30 * time.Second}, now: time.Now, log: log}
	if proxy.credentials == nil {
		return nil, errors.New("no AWS credentials: the admin calls must be signed")
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", proxy)
	if err := console.Mount(mux, console.Options{API: proxy, Templates: templates, Guard: httpapi.LoopbackOnly,
		StatePoll: time.Second, Log: log}); err != nil {
		return nil, err
	}
	return loopbackHost(requireToken(token, mux)), nil
}

// runToken is a new secret for this run of the console.
func runToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("console token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// requireToken lets through only a browser that opened the URL the
// console printed: its ?token= sets a cookie (HttpOnly, SameSite=Strict,
// named after the port, since cookies ignore ports) and sends it on to
// the same path without the token. Any other process on this machine,
// which could otherwise call the admin API with the operator's
// credentials, has not the token.
func requireToken(token string, next http.Handler) http.Handler {
	valid := func(v string) bool { return subtle.ConstantTimeCompare([]byte(v), []byte(token)) == 1 }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, port, _ := net.SplitHostPort(r.Host)
		name := "mayday-console-" + port
		if q := r.URL.Query(); q.Has("token") && valid(q.Get("token")) {
			http.SetCookie(w, &http.Cookie{Name: name, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			q.Del("token")
			u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
		if c, err := r.Cookie(name); err != nil || !valid(c.Value) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"open the URL mayday console printed (with its token)"}`+"\n")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost refuses a request whose Host is not a loopback name: a
// page of another site that a DNS rebinding points at 127.0.0.1 would
// otherwise call the admin API with the operator's credentials.
func loopbackHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			host = h
		}
		if !console.IsLoopbackHost(host) {
			http.Error(w, `{"error":"the console answers on its loopback address only"}`, http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// signingProxy forwards admin calls to the admin Function URL, signed with
// SigV4 for the service "lambda" (the Function URL's IAM auth), payload
// hash included. It forwards only the method, path, query, body, content
// type and If-None-Match (the polled routes' ETag, so an unchanged answer
// stays a 304): never the browser's cookies or other headers.
type signingProxy struct {
	target      *url.URL
	credentials aws.CredentialsProvider
	region      string
	signer      *v4.Signer
	client      *http.Client
	now         func() time.Time
	log         *slog.Logger
}

func (p *signingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, "{\"error\":%q}\n", msg)
	}
	if !strings.HasPrefix(r.URL.Path, "/v1/") {
		fail(http.StatusNotFound, "not an admin route")
		return
	}
	if err := httpapi.LoopbackOnly(r); err != nil {
		fail(http.StatusForbidden, err.Error())
		return
	}
	if err := console.SameOrigin(r); errors.Is(err, console.ErrContentType) {
		fail(http.StatusUnsupportedMediaType, err.Error())
		return
	} else if err != nil {
		fail(http.StatusForbidden, err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, httpapi.MaxBody))
	if err != nil {
		fail(http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	fwd := http.Header{}
	for _, k := range []string{"Content-Type", "If-None-Match"} {
		if v := r.Header.Get(k); v != "" {
			fwd.Set(k, v)
		}
	}
	out, err := p.sign(r.Context(), r.Method, r.URL, fwd, body)
	if err != nil {
		p.log.Error("admin call not signed", "path", r.URL.Path, "err", err)
		fail(http.StatusBadGateway, "could not sign the admin call: "+err.Error())
		return
	}
	res, err := p.client.Do(out)
	if err != nil {
		p.log.Error("admin call failed", "path", r.URL.Path, "err", err)
		fail(http.StatusBadGateway, "admin Function URL unreachable")
		return
	}
	defer res.Body.Close()
	for _, k := range []string{"Content-Type", "ETag"} {
		if v := res.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, io.LimitReader(res.Body, 8<<20))
}

// sign builds the request to the Function URL, with the headers given,
// and signs it.
func (p *signingProxy) sign(ctx context.Context, method string, u *url.URL, header http.Header, body []byte) (*http.Request, error) {
	dst := *p.target
	dst.Path = p.target.Path + u.Path
	dst.RawPath = ""
	if u.RawPath != "" {
		dst.RawPath = p.target.EscapedPath() + u.RawPath
	}
	dst.RawQuery = u.RawQuery
	out, err := http.NewRequestWithContext(ctx, method, dst.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		out.Header[k] = v
	}
	out.Header.Set("Accept", "application/json")
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	out.Header.Set("X-Amz-Content-Sha256", hash)
	creds, err := p.credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("credentials: %w", err)
	}
	if err := p.signer.SignHTTP(ctx, creds, out, hash, "lambda", p.region, p.now()); err != nil {
		return nil, fmt.Errorf("sigv4: %w", err)
	}
	return out, nil
}
