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

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// functionSpec is a function (one per directory functions/<name>/, built
// by `make build` into build/<name>/bootstrap) as the stack deploys it.
type functionSpec struct {
	functions.Function
	Timeout float64 // seconds
}

// timeouts: webhooks answer within 10 s (the telephony platform is waiting;
// the work after them is asynchronous); Connect waits at most 8 s for a
// contact flow's function (the flow answers within its own 3 s budget);
// event consumers get 30 s.
var timeouts = map[functions.Trigger]float64{functions.Webhook: 10, functions.Admin: 10,
	functions.ContactFlow: 8, functions.Event: 30, functions.Stream: 30}

// specsOf is the listed functions keep keeps, as the stack deploys them.
func specsOf(keep func(functions.Function) bool) []functionSpec {
	var out []functionSpec
	for _, f := range functions.All {
		if keep(f) {
			out = append(out, functionSpec{f, timeouts[f.Trigger]})
		}
	}
	return out
}

// functionSpecs is every function but the Amazon Connect ones, which are
// deployed only for a Connect instance (context connectInstanceArn).
var (
	functionSpecs        = specsOf(func(f functions.Function) bool { return f.Platform != functions.AmazonConnect })
	connectFunctionSpecs = specsOf(func(f functions.Function) bool { return f.Platform == functions.AmazonConnect })
)

// deployed reports whether the stack creates the function: the platform
// it belongs to is configured.
func (f functionSpec) deployed(c Config) bool {
	switch f.Platform {
	case functions.Presence:
		return presencePlatform(c) != settings.PlatformNone
	case functions.AmazonConnect:
		return c.Get(settings.ConnectInstanceARN) != ""
	}
	return true
}

// deployedSpecs is every function the configuration deploys.
func deployedSpecs(cfg Config) []functionSpec {
	return specsOf(func(f functions.Function) bool { return functionSpec{Function: f}.deployed(cfg) })
}

// reads reports whether the function reads a setting (settings.Functions).
func (f functionSpec) reads(s settings.Setting) bool {
	return slices.ContainsFunc(settings.Functions[f.Name], func(r settings.Setting) bool { return r.Env == s.Env })
}

type functionsProps struct {
	AssetDir string
	Config   Config
	Table    awsdynamodb.TableV2
	Bus      awsevents.EventBus
}

// newFunctions creates the functions, keyed by name. Access is granted
// here for the table (each function its own actions, iam.go) and for
// publishing; the webhook secret and SES are granted where they are created.
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
			ReservedConcurrentExecutions: reservedConcurrency(spec.Name, p.Config),
		})
		nagFunction(fn)
		grantTable(fn, p.Table, "Table", functionTableAccess[spec.Name])
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
