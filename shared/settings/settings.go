// Package settings declares every setting Mayday reads from its environment,
// once: the variable's name, its default, how its value is checked, and how
// a deployment provides it. The Lambda functions' cold start, the local
// runner, the operator commands and the CDK stack all read these
// declarations, and the stack's tests check that each function gets what it
// reads.
package settings

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/mayday"
)

// Source says how a deployed stack provides a setting.
type Source int

const (
	// FromResource: the stack sets it to a resource it creates (a table, a
	// bus, a secret).
	FromResource Source = iota
	// FromContext: the stack sets it from its cdk.json context key, or to
	// the default when the key is not given.
	FromContext
	// IfConfigured: the stack sets it only when the operator gives its
	// context key; absent, the function does without it.
	IfConfigured
	// NotDeployed: deliberately never set in AWS (local stand-ins only).
	NotDeployed
)

// Setting is one environment variable.
type Setting struct {
	Env     string
	Default string
	// Context is the cdk.json context key that sets it for a deployment
	// (FromContext and IfConfigured settings).
	Context string
	Source  Source
	// KeepEmpty: a variable set to "" means empty (no dial prefix), not
	// the default.
	KeepEmpty bool
	// Or names a variable that, set, stands in for this one where it is
	// required (the plain secret of local stand-ins for the secret's ARN).
	Or    string
	Doc   string
	check func(string) error

	// Optional: a resource the function does without when neither it nor
	// Or is set (the Twilio routes are then not served).
	Optional bool
}

var (
	Table = Setting{Env: "MAYDAY_TABLE", Source: FromResource,
		Doc: "DynamoDB table (the stack's TableName output)", check: nonEmpty}
	Bus = Setting{Env: "MAYDAY_BUS", Source: FromResource,
		Doc: "EventBridge bus the function publishes to", check: nonEmpty}
	PlaceIndex = Setting{Env: "MAYDAY_PLACE_INDEX", Source: FromResource,
		Doc: "Amazon Location place index that validates the addresses agents confirm", check: nonEmpty}
	WebhookSecretARN = Setting{Env: "MAYDAY_WEBHOOK_SECRET_ARN", Source: FromResource, Or: "MAYDAY_WEBHOOK_SECRET",
		Doc: "Secrets Manager secret holding the webhook HMAC key"}
	WebhookSecret = Setting{Env: "MAYDAY_WEBHOOK_SECRET", Source: NotDeployed,
		Doc: "webhook HMAC key itself, for the local runner and local stand-ins"}
	Sender = Setting{Env: "MAYDAY_SENDER", Default: "mayday@example.com", Context: "sender", Source: FromContext,
		Doc: "SES From address; the address or its domain must be a verified identity", check: emailAddress}
	SESConfigurationSet = Setting{Env: "MAYDAY_SES_CONFIGURATION_SET", Context: "sesConfigurationSet", Source: IfConfigured,
		Doc: "existing SES configuration set for the notification emails", check: configSetName}
	CallbackLease = Setting{Env: "MAYDAY_CALLBACK_LEASE", Default: "60m", Context: "callbackLease", Source: FromContext,
		Doc: "how long a callback number stays leased to the agent", check: positiveDuration}
	CallbackFallback = Setting{Env: "MAYDAY_CALLBACK_FALLBACK", Default: "security-desk", Context: "callbackFallback", Source: FromContext,
		Doc: "where a callback to a pool number with no live lease goes", check: nonEmpty}
	DialPrefix = Setting{Env: "MAYDAY_DIAL_PREFIX", Default: "9", Context: "dialPrefix", Source: FromContext, KeepEmpty: true,
		Doc: "outside-line access prefix stripped from dialed numbers; empty for none", check: dialDigits}
	DefaultCallerID = Setting{Env: "MAYDAY_DEFAULT_CALLER_ID", Context: "defaultCallerId", Source: IfConfigured,
		Doc: "the platform's default caller ID per country (US=+12065550100,GB=+442071230000), presented when no number registered where the agent is can be; required with Twilio", check: callerIDs}
	LocationValidFor = Setting{Env: "MAYDAY_LOCATION_VALID_FOR", Default: "12h", Context: "locationValidFor", Source: FromContext,
		Doc: "how long an agent's confirmed location holds (a shift)", check: positiveDuration}
	MaxEmergency = Setting{Env: "MAYDAY_MAX_EMERGENCY", Default: "4h", Context: "maxEmergency", Source: FromContext,
		Doc: "how long after an emergency began the watchdog restores an agent still on Do Not Disturb", check: positiveDuration}
	WebhookSecretPrevious = Setting{Env: "MAYDAY_WEBHOOK_SECRET_PREVIOUS", Source: NotDeployed,
		Doc: "previous webhook HMAC key, still accepted, for local stand-ins (in AWS: the secret's AWSPREVIOUS version)"}
	WebhookSecretOverlap = Setting{Env: "MAYDAY_WEBHOOK_SECRET_OVERLAP", Default: "24h", Context: "webhookSecretOverlap", Source: FromContext,
		Doc: "how long after a rotation the previous webhook secret is still accepted; 0s for not at all", check: nonNegativeDuration}
	Addr = Setting{Env: "MAYDAY_ADDR", Default: "127.0.0.1:8080", Source: NotDeployed,
		Doc: "address the local runner listens on", check: nonEmpty}
	SweepInterval = Setting{Env: "MAYDAY_SWEEP_INTERVAL", Default: "1m", Source: NotDeployed,
		Doc: "how often the local runner releases expired leases (in AWS: every minute)", check: positiveDuration}
	RecordTable = Setting{Env: "MAYDAY_RECORD_TABLE", Source: FromResource,
		Doc: "DynamoDB table of the emergency record, which the functions may only add to (the stack's RecordTableName output)", check: nonEmpty}
	RecordRetention = Setting{Env: "MAYDAY_RECORD_RETENTION", Default: "9600h", Context: "recordRetention", Source: FromContext,
		Doc: "how long the emergency record keeps an entry (default 400 days; DynamoDB TTL deletes it after)", check: positiveDuration}
	ConnectInstanceARN = Setting{Env: "MAYDAY_CONNECT_INSTANCE_ARN", Context: "connectInstanceArn", Source: IfConfigured,
		Doc: "Amazon Connect instance whose contact flows invoke Mayday; unset: no Connect functions", check: connectInstanceARN}
	ConnectDNDStatus = Setting{Env: "MAYDAY_CONNECT_DND_STATUS_ID", Context: "connectDndStatusId", Source: IfConfigured,
		Doc: "id of the Connect agent status Mayday sets during an emergency conversation (Do Not Disturb)", check: connectStatusID}
	ConnectRoutableStatus = Setting{Env: "MAYDAY_CONNECT_ROUTABLE_STATUS_ID", Context: "connectRoutableStatusId", Source: IfConfigured,
		Doc: "id of the Connect agent status agent queues route to (Available): set for a PSAP callback, and restored when the previous status is unknown", check: connectStatusID}
)

// The settings of `mayday console`, the operator's local console against
// a deployed stack.
var (
	AdminURL = Setting{Env: "MAYDAY_ADMIN_URL", Source: NotDeployed,
		Doc: "the stack's admin Function URL (its AdminUrl output, https), which mayday console signs its calls to", check: absoluteURL}
	ConsoleAddr = Setting{Env: "MAYDAY_CONSOLE_ADDR", Default: "127.0.0.1:8090", Source: NotDeployed,
		Doc: "loopback address mayday console listens on", check: nonEmpty}
)

// DevSecret signs webhooks locally when MAYDAY_WEBHOOK_SECRET is not set.
// Only the local runner and the simulator use it.
const DevSecret = "mayday-local-dev-secret"

// Bounds of the webhooks, not operator settings: the telephony platform is
// waiting on them.
const (
	// StateTimeout bounds the store writes a webhook makes before it
	// answers.
	StateTimeout = time.Second
	// WebhookBudget bounds the whole webhook.
	WebhookBudget = 3 * time.Second
)

// Domain is what every function reads to build its use case.
var Domain = []Setting{CallbackLease, CallbackFallback, DialPrefix, MaxEmergency, DefaultCallerID, LocationValidFor}

// All lists every setting, for documentation and tests.
var All = []Setting{Table, Bus, PlaceIndex, WebhookSecretARN, WebhookSecret, Sender, SESConfigurationSet,
	CallbackLease, CallbackFallback, DialPrefix, MaxEmergency, DefaultCallerID, LocationValidFor, Addr, SweepInterval,
	TwilioAuthTokenARN, TwilioAuthToken, TwilioAccountSID, TwilioOrdinaryURL, TwilioPublicURL,
	WebhookSecretPrevious, WebhookSecretOverlap,
	ConnectInstanceARN, ConnectDNDStatus, ConnectRoutableStatus, AdminURL, ConsoleAddr, RecordTable, RecordRetention}

// Functions lists, for each function of functions.All, what it reads
// besides Domain (presence push: besides its platform's, Reads).
var Functions = map[string][]Setting{
	functions.DialDetection:           append([]Setting{Table, Bus, WebhookSecretARN, WebhookSecret, WebhookSecretPrevious, WebhookSecretOverlap}, Twilio...),
	functions.PriorityCallbackRouting: append([]Setting{Table, Bus, WebhookSecretARN, WebhookSecret, WebhookSecretPrevious, WebhookSecretOverlap}, Twilio...),
	functions.AdminAPI:                {Table, PlaceIndex, TwilioAccountSID, TwilioAuthTokenARN, TwilioAuthToken}, // Twilio: the readiness report's number check
	functions.AgentState:              {Table},
	functions.CallbackLeaseAllocation: {Table, Bus},
	functions.EmailNotification:       {Table, Sender, SESConfigurationSet, RecordTable, RecordRetention}, // the record: each message sent
	functions.PresenceRestore:         {Table, RecordTable, RecordRetention},                              // the record: presence restored
	functions.CallHistory:             {Table},
	functions.LeaseExpiry:             {Table, Bus, ConnectInstanceARN}, // Connect: open calls reconciled with DescribeContact
	functions.PresencePush:            {Table, PresencePlatform},
	functions.ConnectFlow:             {Table, Bus, ConnectInstanceARN, ConnectRoutableStatus},
	functions.ConnectEvents:           {Table, Bus},
	functions.OutboxPublisher:         {Bus},
	functions.EmergencyRecord:         {RecordTable, RecordRetention},
	functions.AuditAPI:                {RecordTable},
}

// Lookup reads a variable, as os.LookupEnv does.
type Lookup func(string) (string, bool)

// Get returns the setting's value, or its default when unset, checked.
func (s Setting) Get(lookup Lookup) (string, error) {
	v, ok := lookup(s.Env)
	if !ok || (v == "" && !s.KeepEmpty) {
		v = s.Default
	}
	if err := s.Check(v); err != nil {
		return v, fmt.Errorf("%s=%q: %w", s.Env, v, err)
	}
	return v, nil
}

// Check validates a value the way the functions will at cold start; the
// stack calls it at synth time so a mistake shows before a deployment.
func (s Setting) Check(v string) error {
	if s.check == nil || v == "" && s.Default == "" {
		return nil // unset, and nothing to default to: the reader decides
	}
	return s.check(v)
}

// DomainConfig reads the use cases' configuration.
func DomainConfig(lookup Lookup) (mayday.Config, error) {
	var errs []error
	get := func(s Setting) string {
		v, err := s.Get(lookup)
		errs = append(errs, err)
		return v
	}
	dur := func(s Setting) time.Duration {
		d, _ := time.ParseDuration(get(s))
		return d
	}
	c := mayday.Config{Lease: dur(CallbackLease), Fallback: get(CallbackFallback),
		Dial: mayday.DialRules{Prefix: get(DialPrefix)}, MaxEmergency: dur(MaxEmergency),
		StateTimeout: StateTimeout, WebhookBudget: WebhookBudget, LocationValidFor: dur(LocationValidFor)}
	c.DefaultCallerID, _ = ParseCallerIDs(get(DefaultCallerID))
	return c, errors.Join(errs...)
}

// Defaults is the configuration with nothing set.
func Defaults() mayday.Config {
	c, err := DomainConfig(func(string) (string, bool) { return "", false })
	if err != nil {
		panic(fmt.Sprintf("settings: defaults: %v", err)) // a bad declaration above
	}
	return c
}

// ParseCallerIDs reads MAYDAY_DEFAULT_CALLER_ID: COUNTRY=+E164 pairs
// separated by commas, each number of its country.
func ParseCallerIDs(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(v, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		c, n, ok := strings.Cut(pair, "=")
		c = mayday.NormaliseCountry(c)
		num, err := mayday.ParseE164(strings.TrimSpace(n))
		switch {
		case !ok:
			return nil, fmt.Errorf("%q: want COUNTRY=+E164, like US=+12065550100", pair)
		case !mayday.SupportedCountry(c):
			return nil, fmt.Errorf("%q: %s is not a supported country", pair, c)
		case err != nil:
			return nil, fmt.Errorf("%q: %w", pair, err)
		case !mayday.NumberInCountry(num, c):
			return nil, fmt.Errorf("%q: %s is not a number of %s", pair, num, c)
		}
		out[c] = num
	}
	return out, nil
}

func callerIDs(v string) error {
	_, err := ParseCallerIDs(v)
	return err
}

func absoluteURL(v string) error {
	if u, err := url.Parse(v); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(v, " \t") {
		return errors.New("want an absolute http(s) URL")
	}
	return nil
}

func nonEmpty(v string) error {
	if v == "" {
		return errors.New("must not be empty")
	}
	return nil
}

func positiveDuration(v string) error {
	if d, err := time.ParseDuration(v); err != nil || d <= 0 {
		return errors.New("want a positive duration like 60m or 30s")
	}
	return nil
}

func nonNegativeDuration(v string) error {
	if d, err := time.ParseDuration(v); err != nil || d < 0 {
		return errors.New("want a duration like 24h, or 0s")
	}
	return nil
}

var dialDigitsRe = regexp.MustCompile(`^[0-9*#]{0,4}$`)

func dialDigits(v string) error {
	if !dialDigitsRe.MatchString(v) {
		return errors.New("want up to 4 dial digits, or empty for none")
	}
	return nil
}

var configSetRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func configSetName(v string) error {
	if !configSetRe.MatchString(v) {
		return errors.New("not an SES configuration set name")
	}
	return nil
}

var (
	connectInstanceRe = regexp.MustCompile(`^arn:aws[a-z-]*:connect:[a-z0-9-]+:[0-9]{12}:instance/[A-Za-z0-9-]{1,100}$`)
	connectStatusRe   = regexp.MustCompile(`^[A-Za-z0-9-]{1,100}$`)
)

func connectInstanceARN(v string) error {
	if !connectInstanceRe.MatchString(v) {
		return errors.New("want an Amazon Connect instance ARN like arn:aws:connect:us-east-1:111122223333:instance/<id>")
	}
	return nil
}

func connectStatusID(v string) error {
	if !connectStatusRe.MatchString(v) {
		return errors.New("want an agent status id (the last part of its ARN, .../agent-state/<id>)")
	}
	return nil
}

func emailAddress(v string) error {
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		return errors.New("want a plain email address like mayday@example.com")
	}
	return nil
}
