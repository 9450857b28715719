package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/shared/dynamostore"
)

// newTable is Mayday's single DynamoDB table: agents, calls, callback numbers
// with their leases, notifications and call history. Its key, indexes and
// TTL attribute are the DynamoDB adapter's declaration (dynamostore.Schema),
// the same one the adapter creates tables from locally.
//
// RemovalPolicy RETAIN, deliberately: the table holds the agents' profiles
// and emergency contacts and the live callback leases — the only record of
// which agent a PSAP's callback must reach. Deleting the stack (or a change
// that would replace the table) must never drop it; an operator deletes a
// retained table by hand once sure nothing is live. Point-in-time recovery
// covers mistakes inside the table.
func newTable(stack awscdk.Stack) awsdynamodb.TableV2 {
	schema := dynamostore.Schema()
	var gsis []*awsdynamodb.GlobalSecondaryIndexPropsV2
	for _, ix := range schema.Indexes {
		gsis = append(gsis, &awsdynamodb.GlobalSecondaryIndexPropsV2{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   attribute(ix.PartitionKey),
			SortKey:        attribute(ix.SortKey),
			ProjectionType: projection(ix.Projection),
		})
	}
	return awsdynamodb.NewTableV2(stack, jsii.String("Table"), &awsdynamodb.TablePropsV2{
		PartitionKey:           attribute(schema.PartitionKey),
		SortKey:                attribute(schema.SortKey),
		GlobalSecondaryIndexes: &gsis,
		Billing:                awsdynamodb.Billing_OnDemand(nil),
		TimeToLiveAttribute:    jsii.String(schema.TTLAttribute),
		// The outbox publisher reads the outbox items from the stream.
		DynamoStream: awsdynamodb.StreamViewType_NEW_IMAGE,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		// The AWS managed key (aws/dynamodb): encrypted at rest, key use
		// visible in CloudTrail, no key policy to maintain.
		Encryption:    awsdynamodb.TableEncryptionV2_AwsManagedKey(),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		// RETAIN covers the stack; deletion protection covers a delete
		// by hand or by another tool.
		DeletionProtection: jsii.Bool(true),
	})
}

// attribute is a key attribute of the declaration as CDK's; nil for a zero
// one (no sort key).
func attribute(k dynamostore.KeyAttribute) *awsdynamodb.Attribute {
	if k.Name == "" {
		return nil
	}
	var t awsdynamodb.AttributeType
	switch k.Type {
	case dynamostore.TypeString:
		t = awsdynamodb.AttributeType_STRING
	case dynamostore.TypeNumber:
		t = awsdynamodb.AttributeType_NUMBER
	default:
		panic(fmt.Sprintf("table: key attribute %s: unsupported type %q", k.Name, k.Type))
	}
	return &awsdynamodb.Attribute{Name: jsii.String(k.Name), Type: t}
}

// projection is an index projection of the declaration as CDK's.
func projection(p dynamostore.Projection) awsdynamodb.ProjectionType {
	switch p {
	case dynamostore.ProjectAll:
		return awsdynamodb.ProjectionType_ALL
	}
	panic(fmt.Sprintf("table: unsupported index projection %q", p))
}
