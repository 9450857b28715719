package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslocation"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// placeIndexDataSource: Esri, whose results carry a relevance score that
// the validation reads (HERE's do not).
const placeIndexDataSource = "Esri"

// newPlaceIndex is the Amazon Location place index that validates the
// addresses agents confirm. admin-api alone searches it, and may do
// nothing else with Amazon Location. SingleUse: only the verdict is
// stored, never a search result.
func newPlaceIndex(stack awscdk.Stack, fns map[string]awslambda.Function) awslocation.CfnPlaceIndex {
	index := awslocation.NewCfnPlaceIndex(stack, jsii.String("PlaceIndex"), &awslocation.CfnPlaceIndexProps{
		IndexName:   jsii.String(*stack.StackName() + "-places"),
		DataSource:  jsii.String(placeIndexDataSource),
		Description: jsii.String("Mayday: validates the addresses agents confirm (admin-api)"),
		DataSourceConfiguration: &awslocation.CfnPlaceIndex_DataSourceConfigurationProperty{
			IntendedUse: jsii.String("SingleUse"),
		},
	})
	admin := fns[functions.AdminAPI]
	admin.AddEnvironment(jsii.String(settings.PlaceIndex.Env), index.Ref(), nil)
	admin.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ValidateAddresses"),
		Actions:   jsii.Strings("geo:SearchPlaceIndexForText"),
		Resources: jsii.Strings(*index.AttrArn()),
	}))
	return index
}
