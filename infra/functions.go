package main

import (
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/httpapi"
)

// The functions: one per directory functions/<name>/, built by `make build`
// into build/<name>/bootstrap.
const (
	fnDialDetection     = httpapi.FnDialDetection   // webhook
	fnCallbackRouting   = httpapi.FnCallbackRouting // webhook
	fnAdmin             = httpapi.FnAdmin           // IAM-authorised HTTP
	fnLeaseAllocation   = events.TargetLeaseAllocation
	fnEmailNotification = events.TargetNotification
	fnPresenceRestore   = events.TargetPresenceRestore
	fnCallHistory       = events.TargetCallHistory
	fnLeaseExpiry       = events.TargetLeaseExpiry
)

// Environment variables the functions read.
const (
	envTable         = "MAYDAY_TABLE"
	envBus           = "MAYDAY_BUS"
	envSecretARN     = "MAYDAY_WEBHOOK_SECRET_ARN"
	envSender        = "MAYDAY_SENDER"
	envSESConfigSet  = "MAYDAY_SES_CONFIGURATION_SET"
	envCallbackLease = "MAYDAY_CALLBACK_LEASE"
	envFallback      = "MAYDAY_CALLBACK_FALLBACK"
	envDialPrefix    = "MAYDAY_DIAL_PREFIX"
)

// functionSpec is what differs between the functions.
type functionSpec struct {
	Name        string
	Description string
	Timeout     float64 // seconds
	// Publishes: the function puts events on the bus (bus.GrantPutEventsTo).
	Publishes bool
}

// functionSpecs: webhooks answer within 10 s (the telephony platform is
// waiting; the work after them is asynchronous), event consumers get 30 s.
var functionSpecs = []functionSpec{
	{fnDialDetection, "Webhook: call lifecycle; detects emergency dials (POST /v1/telephony/events)", 10, true},
	{fnCallbackRouting, "Webhook: routing decision for inbound calls; PSAP callbacks at emergency priority (POST /v1/telephony/inbound)", 10, true},
	{fnAdmin, "Admin and agent-state routes (IAM-authorised)", 10, false},
	{fnLeaseAllocation, "Leases a callback number when an emergency call starts", 30, true},
	{fnEmailNotification, "Emails the agent's emergency contacts (SES v2 template)", 30, false},
	{fnPresenceRestore, "Restores presence when the last emergency conversation ends", 30, false},
	{fnCallHistory, "Records ordinary calls in call history (never emergency calls)", 30, false},
	{fnLeaseExpiry, "Releases expired callback leases and runs the presence watchdog (every minute)", 30, true},
}

type functionsProps struct {
	AssetDir string
	Config   Config
	Table    awsdynamodb.TableV2
	Bus      awsevents.EventBus
}

// newFunctions creates the eight functions, keyed by name. Access is granted
// here only for what every function needs (the table) and for publishing;
// the webhook secret and SES are granted where they are created.
func newFunctions(stack awscdk.Stack, p functionsProps) map[string]awslambda.Function {
	fns := map[string]awslambda.Function{}
	for _, spec := range functionSpecs {
		env := map[string]*string{
			envTable:         p.Table.TableName(),
			envCallbackLease: jsii.String(p.Config.CallbackLease),
			envFallback:      jsii.String(p.Config.CallbackFallback),
			envDialPrefix:    jsii.String(p.Config.DialPrefix),
		}
		if spec.Publishes {
			env[envBus] = p.Bus.EventBusName()
		}
		if spec.Name == fnEmailNotification {
			env[envSender] = jsii.String(p.Config.Sender)
			if p.Config.SESConfigurationSet != "" {
				env[envSESConfigSet] = jsii.String(p.Config.SESConfigurationSet)
			}
		}
		id := constructID(spec.Name)
		logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_THREE_MONTHS,
		})
		var secrets awslambda.ParamsAndSecretsLayerVersion
		if spec.Name == fnDialDetection || spec.Name == fnCallbackRouting {
			secrets = secretsExtension()
		}
		fn := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
			ParamsAndSecrets:      secrets,
			Description:           jsii.String("Mayday " + spec.Name + ": " + spec.Description),
			Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
			Architecture:          awslambda.Architecture_ARM_64(),
			Handler:               jsii.String("bootstrap"),
			Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(p.AssetDir, spec.Name)), nil),
			MemorySize:            jsii.Number(256),
			Timeout:               awscdk.Duration_Seconds(jsii.Number(spec.Timeout)),
			Environment:           &env,
			LoggingFormat:         awslambda.LoggingFormat_JSON,
			ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
			SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
			LogGroup:              logs,
		})
		p.Table.GrantReadWriteData(fn)
		if spec.Publishes {
			p.Bus.GrantPutEventsTo(fn, nil)
		}
		fns[spec.Name] = fn
	}
	return fns
}

// constructID turns "priority-callback-routing" into "PriorityCallbackRouting".
func constructID(name string) string {
	out := make([]byte, 0, len(name))
	up := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == ' ':
			up = true
			continue
		case up && c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		}
		up = false
		out = append(out, c)
	}
	return string(out)
}

// secretsExtension is the AWS Parameters and Secrets Lambda Extension, through
// which the webhook functions read the HMAC secret (package webhooksecret):
// no Secrets Manager client in the binary, and a rotated secret is served
// within a minute without a cold start.
func secretsExtension() awslambda.ParamsAndSecretsLayerVersion {
	return awslambda.ParamsAndSecretsLayerVersion_FromVersion(awslambda.ParamsAndSecretsVersions_V1_0_103,
		&awslambda.ParamsAndSecretsOptions{
			CacheEnabled:      jsii.Bool(true),
			SecretsManagerTtl: awscdk.Duration_Minutes(jsii.Number(1)),
		})
}
