package local

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/amazonconnect"
	"github.com/mayday/mayday/shared/handler"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/inmem"
	"github.com/mayday/mayday/shared/localbus"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/redact"
	"github.com/mayday/mayday/shared/twilionumbers"
	"github.com/mayday/mayday/shared/webhooksecret"
)

// Main is the running local system. Fields left nil by the caller get the
// embedded defaults, and Config's zero fields the settings' defaults; tests
// boot it on port 0 and read URL.
type Main struct {
	Config Config
	Store  mayday.Store
	// Record is the emergency record (default: embedded, apart from Store).
	Record mayday.RecordStore
	Mailer mayday.Mailer
	Clock  mayday.Clock
	Log    *slog.Logger
	// Presence, when set, is the contact-center platform presence push
	// moves (PresenceFromEnv); nil: no presence push.
	Presence mayday.PresencePlatform

	// WrapPublisher and WrapMailer, when set, wrap what the chain publishes
	// with and the mailer in use: a test's or a benchmark's probes.
	WrapPublisher func(mayday.Publisher) mayday.Publisher
	WrapMailer    func(mayday.Mailer) mayday.Mailer
	// ConnectAgents, when set, is the Amazon Connect instance connect-flow
	// looks agents up in and makes routable (package agentstatus); nil
	// locally unless configured.
	ConnectAgents amazonconnect.Agents

	Outbox *inmem.Outbox // set when the embedded mailer is in use
	// Alerts keeps the texts and webhook posts (the Outbox when in use):
	// locally they are never sent.
	Alerts *inmem.Outbox
	// Escalations are the alerts' escalation timers.
	Escalations *inmem.Escalations
	Bus         *localbus.Bus
	UseCases    mayday.UseCases
	URL         string
	// Handler serves every route in process, as the server does (a
	// request must name a loopback Host, as httptest.NewRequest's
	// example.com does not).
	Handler http.Handler

	server *http.Server
	stop   context.CancelFunc
	done   chan struct{}
	async  *asyncInvokes // asynchronous Lambda invocations under way

	// consoleStop ends the console's state streams, which would hold up
	// the server's shutdown.
	consoleStop chan struct{}

	// Stream, set when Store is DynamoDB's, reads the table's stream for
	// the outbox publisher; the embedded store needs none.
	Stream *StreamRelay
	// outboxHandler is the outbox publisher's handler, as the relay and
	// the Invoke API run it.
	outboxHandler handler.OutboxPublisher
	// streamIdle counts the stream relay's passes that found nothing.
	streamIdle atomic.Int64
	// relayStop ends the outbox relay; relayDone closes when it has.
	relayStop context.CancelFunc
	relayDone chan struct{}
}

// timeouts are the server's: a request's head, a whole request, and an
// idle connection. No write timeout: the console's state streams last
// minutes.
var timeouts = struct{ readHeader, read, idle time.Duration }{5 * time.Second, 30 * time.Second, 2 * time.Minute}

// Open wires the system and starts listening and sweeping.
func (m *Main) Open() (err error) {
	if m.Clock == nil {
		m.Clock = mayday.SystemClock{}
	}
	if m.Log == nil {
		m.Log = slog.Default()
	}
	m.Log = slog.New(redact.Handler(m.Log.Handler())) // no personal data in logs
	m.Config = m.Config.withDefaults()
	if err := m.Config.checkExposure(); err != nil {
		return err
	}
	// Listening first gives the runner its URL, which the alerts' links
	// name unless another base is configured.
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.Addr, err)
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	m.URL = "http://" + ln.Addr().String()
	m.Config.AlertBaseURL = cmp.Or(m.Config.AlertBaseURL, m.Config.TwilioPublicURL, m.URL)
	if m.Store == nil {
		m.Store = inmem.NewStore()
	}
	if m.Record == nil {
		m.Record = inmem.NewRecord()
	}
	if m.Mailer == nil {
		m.Outbox = inmem.NewOutbox(m.Clock)
		m.Mailer = m.Outbox
	}
	m.Alerts = cmp.Or(m.Outbox, inmem.NewOutbox(m.Clock))
	if m.WrapMailer != nil {
		m.Mailer = m.WrapMailer(m.Mailer)
	}
	// The use cases publish to the bus and the bus delivers to handlers over
	// the use cases: the publisher is set once both exist.
	late := &lateBus{}
	var pub mayday.Publisher = late
	if m.WrapPublisher != nil {
		pub = m.WrapPublisher(pub)
	}
	numbers, err := m.numbers()
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	o := mayday.Options{Config: m.Config.Config, Clock: m.Clock, Log: m.Log, Addresses: inmem.Geocoder{}, Numbers: numbers, Record: m.Record,
		SMS: m.Alerts, Webhooks: m.Alerts,
		AlertSecret: mayday.AlertSecret(webhooksecret.Static(m.Config.AlertSecret)), AlertBaseURL: m.Config.AlertBaseURL}
	// Escalations run in process, when due, as Scheduler invokes
	// alert-escalation in AWS.
	m.Escalations = &inmem.Escalations{Clock: m.Clock, Log: m.Log}
	o.Escalations = m.Escalations
	m.UseCases, err = mayday.NewUseCases(m.Store, pub, m.Mailer, o)
	if err == nil {
		err = m.UseCases.WithRecord(m.Record, o)
	}
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	esc := handler.AlertEscalation{UseCase: m.UseCases.AlertEscalation}
	m.Escalations.Fire = func(ctx context.Context, id string) error {
		return esc.Handle(ctx, mayday.EscalationInput{AlertID: id})
	}
	if m.Presence != nil {
		m.UseCases.PresencePush, err = mayday.NewPresencePush(m.Store, m.Presence, mayday.Options{Config: m.Config.Config, Clock: m.Clock, Log: m.Log})
		if err != nil {
			return fmt.Errorf("local: %w", err)
		}
	}
	targets := map[string]lambda.Handler{}
	for name, fn := range Targets(m.UseCases, m.Log) {
		targets[name] = lambda.NewHandler(fn)
	}
	// No Connect instance locally: Connect's events never reach this bus.
	bus, err := localbus.New(events.RulesTo(func(t string) bool { return targets[t] != nil }, ""), targets, localbus.Options{MaxAttempts: m.Config.BusAttempts,
		Backoff: m.Config.BusBackoff, Timeout: m.Config.BusTimeout, Clock: m.Clock, Log: m.Log})
	if err != nil {
		return err
	}
	m.Bus, late.bus = bus, bus
	if err := m.startRelay(pub); err != nil {
		return err
	}
	if m.Handler, err = m.handler(); err != nil {
		return err
	}
	m.server = &http.Server{Handler: m.Handler, ReadHeaderTimeout: timeouts.readHeader,
		ReadTimeout: timeouts.read, IdleTimeout: timeouts.idle}
	ctx, stop := context.WithCancel(context.Background())
	m.stop, m.done = stop, make(chan struct{})
	go func() {
		if err := m.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("server stopped", "err", err)
		}
	}()
	go m.sweep(ctx)
	return nil
}

// Close stops serving, then drains the bus.
func (m *Main) Close() error {
	if m.server == nil {
		return nil
	}
	m.stop()
	<-m.done
	select {
	case <-m.consoleStop: // closed already
	default:
		close(m.consoleStop)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := m.server.Shutdown(ctx)
	m.async.wg.Wait()
	m.Escalations.Close()
	m.relayStop()
	<-m.relayDone
	m.Bus.Close()
	return err
}

// startRelay publishes what the store's writes record, with pub: from the
// embedded store's outbox, or from the table's stream (Stream).
func (m *Main) startRelay(pub mayday.Publisher) error {
	op, err := mayday.NewOutboxPublisher(pub, m.Log)
	if err != nil {
		return fmt.Errorf("local: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	m.relayStop, m.relayDone = stop, make(chan struct{})
	box, embedded := m.Store.(EmbeddedOutbox)
	m.outboxHandler = handler.OutboxPublisher{UseCase: op, Log: m.Log}
	switch {
	case m.Stream != nil:
		m.outboxHandler.Region = m.Stream.Region
		if m.Stream.OnIdle == nil {
			m.Stream.OnIdle = func() { m.streamIdle.Add(1) }
		}
		go func() {
			defer close(m.relayDone)
			m.Stream.Run(ctx, m.outboxHandler.Handle, m.Log)
		}()
	case embedded:
		go func() {
			defer close(m.relayDone)
			RelayEmbedded(ctx, box, op, m.Log)
		}()
	default:
		stop()
		return fmt.Errorf("local: the store %T records events no relay reads: set Stream for DynamoDB", m.Store)
	}
	return nil
}

// sweep fires the lease-expiry schedule every SweepInterval.
func (m *Main) sweep(ctx context.Context) {
	defer close(m.done)
	var rule events.Rule
	for _, r := range events.Rules {
		if r.Target == functions.LeaseExpiry {
			rule = r
		}
	}
	t := time.NewTicker(m.Config.SweepInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.Bus.Fire(rule)
		}
	}
}

func (m *Main) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	api := httpapi.ForUseCases(m.UseCases)
	api.Secrets, api.AdminGuard, api.Clock, api.Log = webhooksecret.Static(m.Config.Secret, m.Config.SecretPrevious), httpapi.LoopbackOnly, m.Clock, m.Log
	api.AuditGuard = httpapi.LoopbackOnly
	api.TwilioAuthToken = webhooksecret.Static(m.Config.TwilioAuthToken)
	api.TwilioAccountSID, api.TwilioOrdinaryURL, api.TwilioPublicURL = m.Config.TwilioAccountSID, m.Config.TwilioOrdinaryURL, m.Config.TwilioPublicURL
	if err := api.Mount(mux); err != nil {
		return nil, err
	}
	fns, missing := m.functions(api)
	m.async = newAsyncInvokes(maxAsyncInvokes)
	mux.Handle(invokePath, invokeHandler(fns, missing, m.async, m.Log))
	local := func(get func() any) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := httpapi.LoopbackOnly(r); err != nil {
				http.Error(w, `{"error":"loopback only"}`, http.StatusForbidden)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			_ = enc.Encode(get())
		})
	}
	mux.Handle("GET /local/events", local(func() any { return map[string]any{"events": m.Bus.Events()} }))
	mux.Handle("GET /local/dead-letters", local(func() any { return map[string]any{"deadLetters": m.Bus.DeadLetters()} }))
	mux.Handle("GET /local/outbox", local(func() any {
		// Texts and webhook posts are kept here even when emails go to
		// an SES endpoint: nothing local sends them.
		alerts := m.Alerts.Alerts()
		if m.Outbox == nil {
			return map[string]any{"emails": []any{}, "alerts": alerts, "note": "emails go to the configured SES endpoint"}
		}
		return map[string]any{"emails": m.Outbox.Emails(), "alerts": alerts}
	}))
	if err := m.mountConsole(mux); err != nil {
		return nil, err
	}
	return browserGuard(mux), nil
}

// numbers is Twilio's register of the account's numbers when a Twilio
// account is configured (nil otherwise: no such readiness check).
func (m *Main) numbers() (mayday.NumberRegistry, error) {
	if m.Config.TwilioAccountSID == "" {
		return nil, nil
	}
	return twilionumbers.New(twilionumbers.Config{AccountSID: m.Config.TwilioAccountSID,
		AuthToken: webhooksecret.Static(m.Config.TwilioAuthToken), BaseURL: m.Config.TwilioAPIURL})
}

func (m *Main) options() mayday.Options {
	return mayday.Options{Config: m.Config.Config, Clock: m.Clock, Log: m.Log}
}

// lateBus lets the service be built before the bus that delivers to it.
type lateBus struct{ bus *localbus.Bus }

func (l *lateBus) Publish(ctx context.Context, evs ...events.Event) error {
	return l.bus.Publish(ctx, evs...)
}
