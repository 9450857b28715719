package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/shared/dynamostore"
)

// TestTable pins the deployed table literally. The key schema and index
// keys of a live table cannot change in place: CloudFormation would replace
// a table that RETAIN keeps, failing the deployment or orphaning the data.
// A change to dynamostore.Schema that fails here must be deliberate.
func TestTable(t *testing.T) {
	key := func(name, typ string) map[string]any { return map[string]any{"AttributeName": name, "KeyType": typ} }
	attr := func(name, typ string) map[string]any {
		return map[string]any{"AttributeName": name, "AttributeType": typ}
	}
	gsi := func(n string) map[string]any {
		return map[string]any{"IndexName": n,
			"KeySchema":  []any{key(n+"pk", "HASH"), key(n+"sk", "RANGE")},
			"Projection": map[string]any{"ProjectionType": "ALL"}}
	}
	typ := jsii.String("AWS::DynamoDB::GlobalTable")
	check(t, func() {
		template.ResourceCountIs(typ, jsii.Number(1))
		template.HasResource(typ, &map[string]any{"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"})
		template.HasResourceProperties(typ, &map[string]any{
			"BillingMode": "PAY_PER_REQUEST",
			"KeySchema":   assertions.Match_Exact([]any{key("pk", "HASH"), key("sk", "RANGE")}),
			"AttributeDefinitions": assertions.Match_Exact([]any{
				attr("pk", "S"), attr("sk", "S"),
				attr("gsi1pk", "S"), attr("gsi1sk", "S"),
				attr("gsi2pk", "S"), attr("gsi2sk", "N"),
				attr("gsi3pk", "S"), attr("gsi3sk", "S"),
			}),
			"GlobalSecondaryIndexes":  assertions.Match_Exact([]any{gsi("gsi1"), gsi("gsi2"), gsi("gsi3")}),
			"TimeToLiveSpecification": assertions.Match_ObjectEquals(&map[string]any{"AttributeName": "ttl", "Enabled": true}),
			"SSESpecification":        assertions.Match_ObjectEquals(&map[string]any{"SSEEnabled": true, "SSEType": "KMS"}),
			"Replicas": []any{assertions.Match_ObjectLike(&map[string]any{
				"PointInTimeRecoverySpecification": assertions.Match_ObjectEquals(&map[string]any{"PointInTimeRecoveryEnabled": true}),
				"DeletionProtectionEnabled":        true,
			})},
		})
	})
}

// TestTableIsDynamoStoreSchema: the synthesised table is the DynamoDB
// adapter's declaration (dynamostore.Schema) — key schema, attribute
// definitions, indexes with their projections, the replica's indexes and
// the TTL attribute — so the translation in newTable loses nothing.
func TestTableIsDynamoStoreSchema(t *testing.T) {
	s := dynamostore.Schema()
	keys := func(pk, sk dynamostore.KeyAttribute) []any {
		out := []any{map[string]any{"AttributeName": pk.Name, "KeyType": "HASH"}}
		if sk.Name != "" {
			out = append(out, map[string]any{"AttributeName": sk.Name, "KeyType": "RANGE"})
		}
		return out
	}
	var attrs, gsis, replicaGSIs []any
	for _, k := range s.KeyAttributes() {
		attrs = append(attrs, map[string]any{"AttributeName": k.Name, "AttributeType": string(k.Type)})
	}
	for _, ix := range s.Indexes {
		gsis = append(gsis, map[string]any{
			"IndexName":  ix.Name,
			"KeySchema":  keys(ix.PartitionKey, ix.SortKey),
			"Projection": map[string]any{"ProjectionType": string(ix.Projection)},
		})
		replicaGSIs = append(replicaGSIs, map[string]any{"IndexName": ix.Name})
	}
	check(t, func() {
		template.HasResourceProperties(jsii.String("AWS::DynamoDB::GlobalTable"), &map[string]any{
			"KeySchema":               assertions.Match_Exact(keys(s.PartitionKey, s.SortKey)),
			"AttributeDefinitions":    assertions.Match_Exact(attrs),
			"GlobalSecondaryIndexes":  assertions.Match_Exact(gsis),
			"TimeToLiveSpecification": assertions.Match_ObjectEquals(&map[string]any{"AttributeName": s.TTLAttribute, "Enabled": true}),
			"Replicas": []any{assertions.Match_ObjectLike(&map[string]any{
				"GlobalSecondaryIndexes": assertions.Match_Exact(replicaGSIs),
			})},
		})
	})
}
