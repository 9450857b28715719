package main

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/httpapi"
)

// newRejectionAlarms raises alarms on the requests a public function turned
// away, which are neither errors nor 5xx: a rotated signing key or Twilio
// token not yet in its secret answers 401/403 on every webhook, and an
// exhausted reserved concurrency throttles (429). Either way every dial falls
// to the platform's fallback with no Do Not Disturb, lease or email. Per
// Function URL: a metric filter on 401/403 access lines, the webhook URLs'
// own Url4xxCount (what the function never logged, a request Lambda refused,
// and a platform's request it could not read), and the function's Throttles; connect-flow, invoked by Connect rather
// than through a URL, gets the Throttles alarm.
func newRejectionAlarms(stack awscdk.Stack, topic awssns.ITopic, fns map[string]awslambda.Function, hooks webhooks, desk alertDesk) {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	sum := &awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}
	urls := map[string]awslambda.FunctionUrl{
		functions.DialDetection:           hooks.DialDetection,
		functions.PriorityCallbackRouting: hooks.CallbackRouting,
		functions.AdminAPI:                hooks.Admin,
		functions.AgentState:              hooks.AgentState,
		functions.AlertAck:                desk.URL,
	}
	names := make([]string, 0, len(urls))
	for name := range urls {
		names = append(names, name)
	}
	sort.Strings(names)
	namespace := "Mayday/" + *stack.StackName()
	for _, name := range names {
		fn, id := fns[name], constructID(name)
		filter := awslogs.NewMetricFilter(stack, jsii.String(id+"RejectedFilter"), &awslogs.MetricFilterProps{
			LogGroup:        fn.LogGroup(),
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(rejectedPattern)),
			MetricNamespace: jsii.String(namespace),
			MetricName:      jsii.String(id + "Rejected"),
			MetricValue:     jsii.String("1"),
		})
		why := "Mayday: " + name + " answered 401/403: the platform's signature or token does not match the secret (rotated, wrong URL). Every dial falls to the platform's fallback unhandled."
		if name == functions.AlertAck {
			why = "Mayday: alert-ack answered 401/403: alert links refused (expired, the alert key rotated, or tokens guessed). A desk may be unable to acknowledge from its link; the console still can."
		}
		addAlarm(stack, topic, id+"RejectedAlarm", why, filter.Metric(sum))
		// The IAM URLs answer 400/404 to operators' and desktops' mistakes
		// every day, alert-ack old links' 403s and 429s; their refusals are
		// the filter's 401/403.
		if name == functions.AdminAPI || name == functions.AgentState || name == functions.AlertAck {
			continue
		}
		addAlarm(stack, topic, id+"Url4xxAlarm",
			"Mayday: "+name+"'s Function URL answered 4xx (refused by Lambda or the function). Check the platform's webhook configuration and the function's logs.",
			awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String("AWS/Lambda"), MetricName: jsii.String("Url4xxCount"),
				DimensionsMap: &map[string]*string{"FunctionName": fn.FunctionName()},
				Period:        minute, Statistic: jsii.String("Sum"),
			}))
	}
	if _, ok := fns[functions.ConnectFlow]; ok {
		names = append(names, functions.ConnectFlow)
	}
	for _, name := range names {
		addAlarm(stack, topic, constructID(name)+"ThrottlesAlarm",
			"Mayday: "+name+" was throttled (its reserved concurrency or the account's exhausted): calls go unhandled. Raise the concurrency.",
			fns[name].MetricThrottles(sum))
	}
}

// rejectedPattern matches the access line of a request answered 401 or 403.
var rejectedPattern = `{ $.message = "` + httpapi.AccessLogMessage + `" && ($.status = 401 || $.status = 403) }`
