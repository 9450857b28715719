package main

import (
	"path/filepath"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/settings"
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
	fnPresencePush      = events.TargetPresencePush // only with a presence platform
)

// functionSpec is what differs between the functions.
type functionSpec struct {
	Name        string
	Description string
	Timeout     float64 // seconds
}

// reads reports whether the function reads a setting (settings.Functions).
func (f functionSpec) reads(s settings.Setting) bool {
	return slices.ContainsFunc(settings.Functions[f.Name], func(r settings.Setting) bool { return r.Env == s.Env })
}

// functionSpecs: webhooks answer within 10 s (the telephony platform is
// waiting; the work after them is asynchronous), event consumers get 30 s.
var functionSpecs = []functionSpec{
	{fnDialDetection, "Webhook: call lifecycle; detects emergency dials (POST /v1/telephony/events)", 10},
	{fnCallbackRouting, "Webhook: routing decision for inbound calls; PSAP callbacks at emergency priority (POST /v1/telephony/inbound)", 10},
	{fnAdmin, "Admin and agent-state routes (IAM-authorised)", 10},
	{fnLeaseAllocation, "Leases a callback number when an emergency call starts", 30},
	{fnEmailNotification, "Emails the agent's emergency contacts (SES v2 template)", 30},
	{fnPresenceRestore, "Restores presence when the last emergency conversation ends", 30},
	{fnCallHistory, "Records ordinary calls in call history (never emergency calls)", 30},
	{fnLeaseExpiry, "Releases expired callback leases and runs the presence watchdog (every minute)", 30},
	{fnPresencePush, "Moves the agent's presence in the contact-center platform during emergency conversations, and back", 30},
}

type functionsProps struct {
	AssetDir string
	Config   Config
	Table    awsdynamodb.TableV2
	Bus      awsevents.EventBus
}

// newFunctions creates the functions, keyed by name. Access is granted
// here only for what every function needs (the table) and for publishing;
// the webhook secret and SES are granted where they are created.
func newFunctions(stack awscdk.Stack, p functionsProps) map[string]awslambda.Function {
	fns := map[string]awslambda.Function{}
	resources := map[string]*string{settings.Table.Env: p.Table.TableName(), settings.Bus.Env: p.Bus.EventBusName()}
	for _, spec := range deployedSpecs(p.Config) {
		env := environment(spec.Name, p.Config, resources)
		id := constructID(spec.Name)
		logs := awslogs.NewLogGroup(stack, jsii.String(id+"Logs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_THREE_MONTHS,
		})
		fn := awslambda.NewFunction(stack, jsii.String(id), &awslambda.FunctionProps{
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
			// INFO keeps the platform's REPORT lines (duration, init,
			// memory), which WARN drops.
			SystemLogLevelV2:             awslambda.SystemLogLevel_INFO,
			LogGroup:                     logs,
			Tracing:                      awslambda.Tracing_ACTIVE,
			ReservedConcurrentExecutions: reservedConcurrency(spec.Name),
		})
		nagFunction(fn)
		p.Table.GrantReadWriteData(fn)
		if spec.reads(settings.Bus) {
			p.Bus.GrantPutEventsTo(fn, nil)
		}
		fns[spec.Name] = fn
	}
	return fns
}

// environment is what the stack sets for what a function reads: resources
// it creates, context values, defaults. The webhook secret's ARN is added
// where the secret is created (webhooks.go); what is never deployed stays
// unset.
func environment(function string, cfg Config, resources map[string]*string) map[string]*string {
	env := map[string]*string{}
	for _, s := range append(slices.Clone(settings.Domain), settings.Reads(function, cfg.lookup)...) {
		switch v := cfg.Get(s); s.Source {
		case settings.FromResource:
			if r, ok := resources[s.Env]; ok {
				env[s.Env] = r
			}
		case settings.FromContext:
			env[s.Env] = jsii.String(v)
		case settings.IfConfigured:
			if v != "" {
				env[s.Env] = jsii.String(v)
			}
		}
	}
	return env
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
