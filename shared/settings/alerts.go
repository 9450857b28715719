package settings

import (
	"errors"
	"regexp"

	"github.com/mayday/mayday/functions"
)

// Security-desk alerts beside the email: their acknowledgement links, the
// SMS channel and the webhook channel. Each signing key is its own: the
// webhook receiver holds its key, and must not be able to forge
// acknowledgement links or dials.
var (
	AlertSecretARN = Setting{Env: "MAYDAY_ALERT_SECRET_ARN", Source: FromResource, Or: "MAYDAY_ALERT_SECRET",
		Doc: "Secrets Manager secret holding the HMAC key that signs the alerts' acknowledgement links"}
	AlertSecret = Setting{Env: "MAYDAY_ALERT_SECRET", Source: NotDeployed,
		Doc: "acknowledgement links' HMAC key itself, for the local runner and local stand-ins"}
	AlertWebhookSecretARN = Setting{Env: "MAYDAY_ALERT_WEBHOOK_SECRET_ARN", Source: FromResource, Or: "MAYDAY_ALERT_WEBHOOK_SECRET",
		Doc: "Secrets Manager secret holding the HMAC key that signs the alerts POSTed to sites' notifyWebhook URLs"}
	AlertWebhookSecret = Setting{Env: "MAYDAY_ALERT_WEBHOOK_SECRET", Source: NotDeployed,
		Doc: "alert webhooks' HMAC key itself, for the local runner and local stand-ins"}
	AlertBaseURL = Setting{Env: "MAYDAY_ALERT_BASE_URL", Context: "alertBaseUrl", Source: IfConfigured,
		Doc: "public base URL (https) of the page that serves the acknowledgement links; unset: the stack sets alert-ack's Function URL, the local runner its public URL or its own", check: absoluteURL}
	EscalationGroup = Setting{Env: "MAYDAY_ESCALATION_GROUP", Source: FromResource,
		Doc: "EventBridge Scheduler schedule group that holds the alerts' one-time escalation schedules"}
	EscalationFunctionARN = Setting{Env: "MAYDAY_ESCALATION_FUNCTION_ARN", Source: FromResource,
		Doc: "ARN of the alert-escalation function the escalation schedules invoke"}
	EscalationRoleARN = Setting{Env: "MAYDAY_ESCALATION_ROLE_ARN", Source: FromResource,
		Doc: "ARN of the role EventBridge Scheduler assumes to invoke alert-escalation"}
	EscalationDeadLetterARN = Setting{Env: "MAYDAY_ESCALATION_DLQ_ARN", Source: FromResource,
		Doc: "ARN of the SQS queue an escalation schedule that could not invoke alert-escalation lands in (alarmed; mayday replay)"}
	SMSOrigination = Setting{Env: "MAYDAY_SMS_ORIGINATION", Context: "smsOrigination", Source: IfConfigured,
		Doc: "AWS End User Messaging SMS origination identity the desk's texts are sent from (phone number, its id or ARN, pool, sender id); unset: no SMS", check: originationIdentity}
)

// DevAlertSecret signs acknowledgement links locally when
// MAYDAY_ALERT_SECRET is not set; DevAlertWebhookSecret the local webhook
// posts. Only the local runner uses them.
const (
	DevAlertSecret        = "mayday-local-alert-secret"
	DevAlertWebhookSecret = "mayday-local-alert-webhook-secret"
)

// originationPattern is SendTextMessage's OriginationIdentity pattern.
var originationPattern = regexp.MustCompile(`^[A-Za-z0-9_:/+-]{1,256}$`)

func originationIdentity(v string) error {
	if !originationPattern.MatchString(v) {
		return errors.New("want a phone number (E.164), a phone number, pool or sender id, or its ARN")
	}
	return nil
}

func init() {
	All = append(All, AlertSecretARN, AlertSecret, AlertWebhookSecretARN, AlertWebhookSecret, AlertBaseURL, SMSOrigination,
		EscalationGroup, EscalationFunctionARN, EscalationRoleARN, EscalationDeadLetterARN)
	// The desk's alert schedules its escalation; the escalation sends as
	// the alert does (SES, SMS) with the same link; the page verifies
	// links and cancels escalations. Acknowledgements and escalations are
	// announced through the table's outbox, so none reads the bus.
	Functions[functions.EmailNotification] = append(Functions[functions.EmailNotification],
		AlertSecretARN, AlertSecret, AlertWebhookSecretARN, AlertWebhookSecret, AlertBaseURL, SMSOrigination,
		EscalationGroup, EscalationFunctionARN, EscalationRoleARN, EscalationDeadLetterARN)
	Functions[functions.AlertEscalation] = []Setting{Table, Sender, SESConfigurationSet, RecordTable, RecordRetention,
		AlertSecretARN, AlertSecret, AlertBaseURL, SMSOrigination}
	Functions[functions.AlertAck] = []Setting{Table, AlertSecretARN, AlertSecret, EscalationGroup}
}
