package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"
)

// TTLAttribute is the table's TTL attribute. Expiry is always checked at read
// time (expiresAt > now); TTL deletion is lazy and only cleans up.
const TTLAttribute = "ttl"

// tableIndexes are the single table's GSIs (names and key types fixed by the
// DynamoDB adapter): gsi2 has a numeric sort key (the sweep's lease-expiry
// index), the others string keys.
var tableIndexes = []struct {
	Name          string
	PK, SK        string
	SortKeyNumber bool
}{
	{"gsi1", "gsi1pk", "gsi1sk", false},
	{"gsi2", "gsi2pk", "gsi2sk", true},
	{"gsi3", "gsi3pk", "gsi3sk", false},
}

// newTable is Mayday's single DynamoDB table: agents, calls, callback numbers
// with their leases, notifications and call history.
//
// RemovalPolicy RETAIN, deliberately: the table holds the agents' profiles
// and emergency contacts and the live callback leases — the only record of
// which agent a PSAP's callback must reach. Deleting the stack (or a change
// that would replace the table) must never drop it; an operator deletes a
// retained table by hand once sure nothing is live. Point-in-time recovery
// covers mistakes inside the table.
func newTable(stack awscdk.Stack) awsdynamodb.TableV2 {
	str := func(name string) *awsdynamodb.Attribute {
		return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
	}
	var gsis []*awsdynamodb.GlobalSecondaryIndexPropsV2
	for _, ix := range tableIndexes {
		sk := str(ix.SK)
		if ix.SortKeyNumber {
			sk = &awsdynamodb.Attribute{Name: jsii.String(ix.SK), Type: awsdynamodb.AttributeType_NUMBER}
		}
		gsis = append(gsis, &awsdynamodb.GlobalSecondaryIndexPropsV2{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   str(ix.PK),
			SortKey:        sk,
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return awsdynamodb.NewTableV2(stack, jsii.String("Table"), &awsdynamodb.TablePropsV2{
		PartitionKey:           str("pk"),
		SortKey:                str("sk"),
		GlobalSecondaryIndexes: &gsis,
		Billing:                awsdynamodb.Billing_OnDemand(nil),
		TimeToLiveAttribute:    jsii.String(TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		// The AWS managed key (aws/dynamodb): encrypted at rest, key use
		// visible in CloudTrail, no key policy to maintain.
		Encryption:    awsdynamodb.TableEncryptionV2_AwsManagedKey(),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}
