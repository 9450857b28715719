package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/settings"
)

// emergencyRecord is the emergency record's table, the audit function's URL
// and the role that may read them.
type emergencyRecord struct {
	Table     awsdynamodb.Table
	URL       awslambda.FunctionUrl
	AuditRole awsiam.Role
}

// recordWriteActions are what could change or remove an entry: no function
// is granted them on the record table, and every function that touches it
// is explicitly denied them, so a later broad grant cannot give them back.
// PutItem stays, for appends; the adapter makes each conditional on the
// entry's key being new, and the hash chain shows an overwrite.
var recordWriteActions = []string{"dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
	"dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:DeleteTable",
	"dynamodb:UpdateTable", "dynamodb:UpdateTimeToLive", "dynamodb:RestoreTableToPointInTime"}

// newEmergencyRecord creates the record's own table (so IAM can grant on it
// apart from the operational table), lets the functions that read
// MAYDAY_RECORD_TABLE append (PutItem, and Query to find the chain's end)
// or, the audit function, only read (recordTableAccess), gives the audit function its own
// IAM-authorised URL, and creates the audit role: the only principal that
// may invoke that URL or read the table. The admin function is granted
// nothing on it.
//
// RETAIN and point-in-time recovery, as for the operational table: the
// record is evidence.
func newEmergencyRecord(stack awscdk.Stack, fns map[string]awslambda.Function) emergencyRecord {
	schema := dynamostore.RecordSchema()
	table := awsdynamodb.NewTable(stack, jsii.String("RecordTable"), &awsdynamodb.TableProps{
		PartitionKey:        attribute(schema.PartitionKey),
		SortKey:             attribute(schema.SortKey),
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(schema.TTLAttribute),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:         awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
		DeletionProtection: jsii.Bool(true),
	})
	for _, ix := range schema.Indexes {
		table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   attribute(ix.PartitionKey),
			SortKey:        attribute(ix.SortKey),
			ProjectionType: projection(ix.Projection),
		})
	}
	indexARN := awscdk.Fn_Join(jsii.String(""), &[]*string{table.TableArn(), jsii.String("/index/" + dynamostore.RecordIndexByDay)})
	deny := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Sid: jsii.String("RecordIsAppendOnly"),
		Effect: awsiam.Effect_DENY, Actions: jsii.Strings(recordWriteActions...), Resources: &[]*string{table.TableArn(), indexARN}})

	for _, f := range functions.All {
		fn, ok := fns[f.Name]
		if !ok || !(functionSpec{Function: f}).reads(settings.RecordTable) {
			continue
		}
		fn.AddEnvironment(jsii.String(settings.RecordTable.Env), table.TableName(), nil)
		grantTable(fn, table, "Record", recordTableAccess[f.Name])
		fn.AddToRolePolicy(deny)
	}

	url := fns[functions.AuditAPI].AddFunctionUrl(&awslambda.FunctionUrlOptions{
		AuthType: awslambda.FunctionUrlAuthType_AWS_IAM, InvokeMode: urlInvokeMode})
	role := awsiam.NewRole(stack, jsii.String("AuditRole"), &awsiam.RoleProps{
		Description: jsii.String("Mayday audit: reads the emergency record (its route and mayday audit export), nothing else"),
		// Operators of the account assume it, as their own IAM allows.
		AssumedBy:          awsiam.NewAccountRootPrincipal(),
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
	})
	url.GrantInvokeUrl(role)
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Sid: jsii.String("ExportRecord"),
		Actions: jsii.Strings("dynamodb:Query"), Resources: &[]*string{table.TableArn(), indexARN}}))
	role.AddToPolicy(deny)
	return emergencyRecord{Table: table, URL: url, AuditRole: role}
}

// newRecordOutputs names what the audit role uses.
func newRecordOutputs(stack awscdk.Stack, r emergencyRecord) {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Description: jsii.String(description), Value: value})
	}
	out("AuditUrl", "Emergency record API base URL (IAM/SigV4, service lambda; the audit role only)", r.URL.Url())
	out("AuditRoleArn", "Role to assume to read the emergency record (its route and mayday audit export)", r.AuditRole.RoleArn())
	out("RecordTableName", "DynamoDB table of the emergency record (MAYDAY_RECORD_TABLE for mayday audit export)", r.Table.TableName())
}
