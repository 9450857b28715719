package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TableInput is the table's schema as a CreateTable request: keys pk/sk,
// the three GSIs (gsi1 leases by agent, gsi2 leases by expiry, gsi3 pools),
// all projecting every attribute, on-demand billing. TTL (attribute ttl) is
// not part of CreateTable; CreateTable enables it afterwards.
func TableInput(table string) *dynamodb.CreateTableInput {
	attr := func(name string, t types.ScalarAttributeType) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(name), AttributeType: t}
	}
	keys := func(pk, sk string) []types.KeySchemaElement {
		return []types.KeySchemaElement{
			{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
		}
	}
	gsi := func(name, pk, sk string) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{
			IndexName:  aws.String(name),
			KeySchema:  keys(pk, sk),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}
	}
	return &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			attr(AttrPK, types.ScalarAttributeTypeS),
			attr(AttrSK, types.ScalarAttributeTypeS),
			attr(AttrGSI1PK, types.ScalarAttributeTypeS),
			attr(AttrGSI1SK, types.ScalarAttributeTypeS),
			attr(AttrGSI2PK, types.ScalarAttributeTypeS),
			attr(AttrGSI2SK, types.ScalarAttributeTypeN),
			attr(AttrGSI3PK, types.ScalarAttributeTypeS),
			attr(AttrGSI3SK, types.ScalarAttributeTypeS),
		},
		KeySchema: keys(AttrPK, AttrSK),
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			gsi(IndexLeasesByAgent, AttrGSI1PK, AttrGSI1SK),
			gsi(IndexLeasesByExpiry, AttrGSI2PK, AttrGSI2SK),
			gsi(IndexPool, AttrGSI3PK, AttrGSI3SK),
		},
	}
}

// CreateTable creates the table (TableInput), waits until it is ACTIVE and
// enables TTL on the ttl attribute. A table that exists already is waited
// for and has TTL enabled if needed, so the local runner can call it on every
// start; its schema is not compared. In AWS the CDK stack owns the table.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.CreateTable(ctx, TableInput(table))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 500*time.Millisecond, 5*time.Second
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 5*time.Minute); err != nil {
		return fmt.Errorf("table %s: wait until active: %w", table, err)
	}
	desc, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("table %s: describe ttl: %w", table, err)
	}
	if d := desc.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == AttrTTL &&
		(d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrTTL),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("table %s: enable ttl on %s: %w", table, AttrTTL, err)
	}
	return nil
}
