package lambdarie

import (
	"fmt"
	"slices"
	"time"
)

// FireDueSchedules runs the EventBridge Scheduler schedules due by now as
// Scheduler runs them: it assumes the schedule's role, which must be a
// role of the template that trusts scheduler.amazonaws.com (from this
// account) and allows lambda:InvokeFunction on the target (and
// sqs:SendMessage on the dead-letter queue, when one is named); invokes the
// target function asynchronously with the schedule's Input; then, for
// ActionAfterCompletion DELETE, deletes the schedule. It returns the
// schedules fired.
func (d *Deployment) FireDueSchedules(now time.Time) (int, error) {
	n := 0
	for _, sc := range d.Scheduler.Due(now) {
		if err := d.schedulerMayInvoke(sc.Target.RoleArn, sc.Target.Arn, sc.Target.DeadLetterArn); err != nil {
			return n, fmt.Errorf("schedule %s/%s: %w", sc.GroupName, sc.Name, err)
		}
		input := sc.Target.Input
		if input == "" {
			input = "{}"
		}
		if err := d.Lambda.InvokeAsync(sc.Target.Arn, []byte(input)); err != nil {
			return n, fmt.Errorf("schedule %s/%s: %w", sc.GroupName, sc.Name, err)
		}
		d.Scheduler.Complete(sc)
		n++
	}
	return n, nil
}

// schedulerMayInvoke checks that Scheduler can assume the role and invoke
// the function with it, and send to the dead-letter queue ("": none).
func (d *Deployment) schedulerMayInvoke(roleARN, function, deadLetter string) error {
	role := ""
	for _, id := range d.Template.OfType("AWS::IAM::Role") {
		if d.Physical[id].Attrs["Arn"] == roleARN {
			role = id
		}
	}
	if role == "" {
		return fmt.Errorf("role %s: not a role of the template", roleARN)
	}
	if err := d.trusts(role, "scheduler.amazonaws.com"); err != nil {
		return err
	}
	sts, err := d.policyStatements(role, "lambda:", "sqs:")
	if err != nil {
		return fmt.Errorf("role %s: %w", role, err)
	}
	if !Allowed(sts, Request{Action: "lambda:InvokeFunction", Resource: function}) {
		return fmt.Errorf("role %s: lambda:InvokeFunction on %s is not allowed", role, function)
	}
	if deadLetter != "" && !Allowed(sts, Request{Action: "sqs:SendMessage", Resource: deadLetter}) {
		return fmt.Errorf("role %s: sqs:SendMessage on the dead-letter queue %s is not allowed", role, deadLetter)
	}
	return nil
}

// trusts checks that the role's trust policy lets the service assume it,
// under conditions the service meets (aws:SourceAccount, this account).
func (d *Deployment) trusts(role, service string) error {
	sts, _ := path(d.Template.Resources[role].Properties, "AssumeRolePolicyDocument", "Statement").([]any)
	for _, raw := range sts {
		st, _ := raw.(map[string]any)
		if st["Effect"] != "Allow" || !slices.Contains(strs(st["Action"]), "sts:AssumeRole") ||
			!slices.Contains(strs(path(st, "Principal", "Service")), service) {
			continue
		}
		met := true
		if cond, ok := st["Condition"].(map[string]any); ok {
			for op, kv := range cond {
				keys, _ := kv.(map[string]any)
				for k, v := range keys {
					got, err := Resolve(v, d.Physical)
					met = met && err == nil && op == "StringEquals" && k == "aws:SourceAccount" && got == pseudo["AWS::AccountId"]
				}
			}
		}
		if met {
			return nil
		}
	}
	return fmt.Errorf("role %s: %s may not assume it", role, service)
}
