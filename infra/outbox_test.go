package main

import (
	"encoding/json"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/dynamostore"
)

// TestOutboxPublisherStream: the table streams new images (as
// dynamostore.CreateTable does locally); the outbox publisher's event
// source mapping reads it from the oldest record, passes only outbox
// INSERTs of this region, reports batch item failures, bisects a failing
// batch, retries for at most an hour and then sends the batch's position to
// an encrypted queue that is alarmed on new messages and named by an
// output; the publisher's iterator age is alarmed.
func TestOutboxPublisherStream(t *testing.T) {
	fns := functionIDs(t)
	fn := fns[functions.OutboxPublisher]
	queue := logicalID(t, "AWS::SQS::Queue", "OutboxFailures")
	tableID := logicalID(t, "AWS::DynamoDB::GlobalTable", "Table")
	hasProperties(t, "AWS::DynamoDB::GlobalTable", tableID, map[string]any{
		"StreamSpecification": map[string]any{"StreamViewType": string(dynamostore.StreamView)}})
	mapping := assertions.NewCapture(nil)
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), &map[string]any{
			"FunctionName":               refOf(fn),
			"EventSourceArn":             getAttOf(tableID, "StreamArn"),
			"StartingPosition":           "TRIM_HORIZON",
			"BatchSize":                  10,
			"BisectBatchOnFunctionError": true,
			"FunctionResponseTypes":      []any{"ReportBatchItemFailures"},
			"MaximumRecordAgeInSeconds":  3600,
			"MaximumRetryAttempts":       10000,
			"DestinationConfig": assertions.Match_ObjectEquals(&map[string]any{
				"OnFailure": map[string]any{"Destination": getAttOf(queue, "Arn")}}),
			"FilterCriteria": map[string]any{"Filters": []any{map[string]any{"Pattern": mapping}}},
		})
	})
	// The pattern joins the stack's region in: read it back with the
	// region as CloudFormation substitutes it.
	b, err := json.Marshal(mapping.AsObject())
	if err != nil {
		t.Fatal(err)
	}
	var join struct {
		Join []json.RawMessage `json:"Fn::Join"`
	}
	if err := json.Unmarshal(b, &join); err != nil || len(join.Join) != 2 {
		t.Fatalf("pattern %s: want a Fn::Join with the region", b)
	}
	var parts []any
	if err := json.Unmarshal(join.Join[1], &parts); err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, p := range parts {
		if s, ok := p.(string); ok {
			text += s
		} else if ref(p) == "AWS::Region" {
			text += "us-east-1"
		}
	}
	var pattern map[string]any
	if err := json.Unmarshal([]byte(text), &pattern); err != nil {
		t.Fatalf("pattern %s: %v", text, err)
	}
	want := map[string]any{
		"eventName": []any{"INSERT"},
		"dynamodb": map[string]any{
			"Keys":     map[string]any{"pk": map[string]any{"S": []any{map[string]any{"prefix": dynamostore.OutboxPrefix}}}},
			"NewImage": map[string]any{"region": map[string]any{"S": []any{"us-east-1"}}},
		},
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(pattern)
	if string(wb) != string(gb) {
		t.Errorf("filter pattern %s, want %s", gb, wb)
	}
	hasProperties(t, "AWS::SQS::Queue", queue, map[string]any{"SqsManagedSseEnabled": true, "MessageRetentionPeriod": 14 * 24 * 3600})
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent", "Statistic": "Sum", "Threshold": 0,
			"Dimensions": []any{map[string]any{"Name": "QueueName", "Value": getAttOf(queue, "QueueName")}}})
		template.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"Namespace": "AWS/Lambda", "MetricName": "IteratorAge", "Statistic": "Maximum", "Threshold": 60000,
			"Dimensions": []any{map[string]any{"Name": "FunctionName", "Value": refOf(fn)}}})
		template.HasOutput(jsii.String(OutboxFailuresOutput), &map[string]any{"Value": refOf(queue)})
	})
}
