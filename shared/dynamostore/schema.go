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

// TableSchema describes the table as plain values: its key, its global
// secondary indexes and its TTL attribute. It is the one declaration of the
// schema: TableInput (and so CreateTable, for DynamoDB Local and tests) and
// the CDK stack (infra/table.go) both build the table from Schema.
type TableSchema struct {
	PartitionKey KeyAttribute
	SortKey      KeyAttribute // zero Name: no sort key
	Indexes      []IndexSchema
	// TTLAttribute holds an item's expiry in epoch seconds (N). Expiry is
	// always checked at read time (expiresAt > now); TTL deletion is lazy
	// and only cleans up.
	TTLAttribute string
	// Stream: the table has a stream (NEW_IMAGE), which carries the outbox
	// items to the outbox publisher.
	Stream bool
}

// IndexSchema is one global secondary index.
type IndexSchema struct {
	Name         string
	PartitionKey KeyAttribute
	SortKey      KeyAttribute // zero Name: no sort key
	Projection   Projection
}

// KeyAttribute is a key attribute of the table or an index.
type KeyAttribute struct {
	Name string
	Type AttributeType
}

// AttributeType is a key attribute's DynamoDB type, spelled as DynamoDB
// spells it.
type AttributeType string

// The key attribute types the table uses.
const (
	TypeString AttributeType = "S"
	TypeNumber AttributeType = "N"
)

// Projection is what an index copies from the items, spelled as DynamoDB
// spells it.
type Projection string

// ProjectAll copies every attribute into the index.
const ProjectAll Projection = "ALL"

// Schema is the table's schema: keys pk/sk; gsi1 leases by agent (and
// agents by site), gsi2 leases by expiry (and agents in an emergency by its
// start, numeric sort key), gsi3 pools (and the sites); every index
// projecting all attributes; TTL on ttl.
func Schema() TableSchema {
	s := func(name string) KeyAttribute { return KeyAttribute{Name: name, Type: TypeString} }
	n := func(name string) KeyAttribute { return KeyAttribute{Name: name, Type: TypeNumber} }
	return TableSchema{
		PartitionKey: s(AttrPK),
		SortKey:      s(AttrSK),
		Indexes: []IndexSchema{
			{Name: IndexLeasesByAgent, PartitionKey: s(AttrGSI1PK), SortKey: s(AttrGSI1SK), Projection: ProjectAll},
			{Name: IndexLeasesByExpiry, PartitionKey: s(AttrGSI2PK), SortKey: n(AttrGSI2SK), Projection: ProjectAll},
			{Name: IndexPool, PartitionKey: s(AttrGSI3PK), SortKey: s(AttrGSI3SK), Projection: ProjectAll},
		},
		TTLAttribute: AttrTTL,
		Stream:       true,
	}
}

// KeyAttributes lists every key attribute of the table and its indexes
// once, in order of appearance: the table's attribute definitions.
func (s TableSchema) KeyAttributes() []KeyAttribute {
	var out []KeyAttribute
	seen := map[string]bool{}
	add := func(k KeyAttribute) {
		if k.Name != "" && !seen[k.Name] {
			seen[k.Name] = true
			out = append(out, k)
		}
	}
	add(s.PartitionKey)
	add(s.SortKey)
	for _, ix := range s.Indexes {
		add(ix.PartitionKey)
		add(ix.SortKey)
	}
	return out
}

// TableInput is Schema as a CreateTable request, with on-demand billing.
// TTL is not part of CreateTable; CreateTable enables it afterwards.
func TableInput(table string) *dynamodb.CreateTableInput { return Schema().Input(table) }

// Input is the schema as a CreateTable request for the named table, with
// on-demand billing.
func (schema TableSchema) Input(table string) *dynamodb.CreateTableInput {
	keys := func(pk, sk KeyAttribute) []types.KeySchemaElement {
		ks := []types.KeySchemaElement{{AttributeName: aws.String(pk.Name), KeyType: types.KeyTypeHash}}
		if sk.Name != "" {
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sk.Name), KeyType: types.KeyTypeRange})
		}
		return ks
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		KeySchema:   keys(schema.PartitionKey, schema.SortKey),
	}
	if schema.Stream {
		in.StreamSpecification = streamSpec()
	}
	for _, k := range schema.KeyAttributes() {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(k.Name), AttributeType: types.ScalarAttributeType(k.Type)})
	}
	for _, ix := range schema.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keys(ix.PartitionKey, ix.SortKey),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(ix.Projection)},
		})
	}
	return in
}

// StreamView is what the table's stream records carry: the new image, all
// the outbox publisher reads.
const StreamView = types.StreamViewTypeNewImage

func streamSpec() *types.StreamSpecification {
	return &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: StreamView}
}

// CreateTable creates the table (TableInput), waits until it is ACTIVE and
// enables TTL on Schema's TTL attribute. A table that exists already is waited
// for and has TTL enabled if needed, so the local runner can call it on every
// start; its schema is not compared. In AWS the CDK stack owns the table.
func CreateTable(ctx context.Context, client *dynamodb.Client, table string) error {
	return CreateTableOf(ctx, client, table, Schema())
}

// CreateTableOf creates a table of the schema, as CreateTable describes
// (no TTL attribute: TTL is left off).
func CreateTableOf(ctx context.Context, client *dynamodb.Client, table string, schema TableSchema) error {
	_, err := client.CreateTable(ctx, schema.Input(table))
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
	if schema.Stream {
		if err := enableStream(ctx, client, table); err != nil {
			return err
		}
	}
	ttl := schema.TTLAttribute
	if ttl == "" {
		return nil
	}
	desc, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("table %s: describe ttl: %w", table, err)
	}
	if d := desc.TimeToLiveDescription; d != nil && aws.ToString(d.AttributeName) == ttl &&
		(d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling) {
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(ttl),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("table %s: enable ttl on %s: %w", table, ttl, err)
	}
	return nil
}

// enableStream turns the stream on for a table created before it had one.
func enableStream(ctx context.Context, client *dynamodb.Client, table string) error {
	d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		return fmt.Errorf("table %s: describe: %w", table, err)
	}
	if s := d.Table.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
		return nil
	}
	if _, err := client.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String(table), StreamSpecification: streamSpec()}); err != nil {
		return fmt.Errorf("table %s: enable stream: %w", table, err)
	}
	return nil
}
