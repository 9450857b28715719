package main

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/mayday"
)

// heartbeatMinutes: lease-expiry runs every minute; five minutes without
// an invocation means the schedule (or its rule) stopped, and with it the
// release of expired leases and the Do Not Disturb watchdog.
const heartbeatMinutes = 5

// newHeartbeat raises an alarm when the every-minute expiry stops being
// invoked. Missing data is breaching: a schedule that stopped sends no
// datapoint at all.
func newHeartbeat(stack awscdk.Stack, topic awssns.ITopic, fns map[string]awslambda.Function) {
	a := awscloudwatch.NewAlarm(stack, jsii.String("LeaseExpiryHeartbeatAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("Mayday: lease-expiry has not run for 5 minutes: expired callback leases are not released and the Do Not Disturb watchdog is stopped. Check the schedule rule and the function."),
		Metric: fns[functions.LeaseExpiry].MetricInvocations(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(heartbeatMinutes)), Statistic: jsii.String("Sum")}),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
	})
	addAlarmAction(a, topic)
}

// newDashboard is what on-call opens first: the dial answers, the leases,
// the emails, the failures and throttles, and every alarm's state.
func newDashboard(stack awscdk.Stack, fns map[string]awslambda.Function, failed awssqs.IQueue) {
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	sum := &awscloudwatch.MetricOptions{Period: minute, Statistic: jsii.String("Sum")}
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(12)})
	}
	invocations := func(names ...string) []awscloudwatch.IMetric {
		var out []awscloudwatch.IMetric
		for _, n := range names {
			if fn, ok := fns[n]; ok {
				out = append(out, fn.MetricInvocations(sum))
			}
		}
		return out
	}
	names := make([]string, 0, len(fns))
	for n := range fns {
		names = append(names, n)
	}
	sort.Strings(names)
	var errs, throttles []awscloudwatch.IMetric
	for _, n := range names {
		errs = append(errs, fns[n].MetricErrors(sum))
		throttles = append(throttles, fns[n].MetricThrottles(sum))
	}
	var alarms []interfacesawscloudwatch.IAlarmRef
	for _, c := range *stack.Node().Children() {
		if a, ok := c.(awscloudwatch.Alarm); ok {
			alarms = append(alarms, a)
		}
	}
	dash := awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	dash.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms"), Alarms: &alarms, Width: jsii.Number(24)}))
	dash.AddWidgets(
		graph("Dial answers (webhook requests)", invocations(functions.DialDetection, functions.PriorityCallbackRouting, functions.ConnectFlow)...),
		graph("Emergency dials by caller ID presented", callerIDSources(stack, fns)...))
	dash.AddWidgets(
		graph("Callback leases (allocation, expiry)", invocations(functions.CallbackLeaseAllocation, functions.LeaseExpiry)...))
	dash.AddWidgets(
		graph("Emails", invocations(functions.EmailNotification)...),
		graph("Failures (errors, failed invocations)", append(errs, newMessages(failed))...))
	dash.AddWidgets(graph("Throttles", throttles...))
}

// startedPattern matches the line the dial logs once an emergency call is
// set up, which names the caller ID's source (lease, ecbn, agent, default,
// none): a dashboard that shows ECBNs or defaults climbing shows an
// exhausted pool or a slow store before anyone calls back.
const startedPattern = `{ $.message = "emergency call started" }`

// callerIDSources counts the emergency dials of the functions that answer
// them, by the source of the caller ID presented.
func callerIDSources(stack awscdk.Stack, fns map[string]awslambda.Function) []awscloudwatch.IMetric {
	namespace := "Mayday/" + *stack.StackName()
	var out []awscloudwatch.IMetric
	for _, name := range []string{functions.DialDetection, functions.ConnectFlow} {
		fn, ok := fns[name]
		if !ok {
			continue
		}
		id := constructID(name)
		awslogs.NewMetricFilter(stack, jsii.String(id+"CallerIdFilter"), &awslogs.MetricFilterProps{
			LogGroup:        fn.LogGroup(),
			FilterPattern:   awslogs.FilterPattern_Literal(jsii.String(startedPattern)),
			MetricNamespace: jsii.String(namespace),
			MetricName:      jsii.String("EmergencyDials"),
			MetricValue:     jsii.String("1"),
			Dimensions:      &map[string]*string{"CallerIdSource": jsii.String("$.callerIdSource")},
		})
	}
	for _, source := range []string{mayday.CallerLease, mayday.CallerECBN, mayday.CallerAgent, mayday.CallerDefault, mayday.CallerNone} {
		out = append(out, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String(namespace), MetricName: jsii.String("EmergencyDials"),
			DimensionsMap: &map[string]*string{"CallerIdSource": jsii.String(source)},
			Period:        awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Sum"),
			Label: jsii.String(source),
		}))
	}
	return out
}
