package main

import (
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"
)

// callbackNumbersPath is the admin route that adds a number to a pool
// (idempotent on the same number and country).
const callbackNumbersPath = "/v1/callback-numbers"

// seedHandler is the custom resource's onEvent handler (Node.js: the
// runtime carries the Lambda client, so it is one small file).
//
//go:embed seedhandler/index.js
var seedHandler string

// seedCallbackPool adds each number of the "callbackPool" context to its pool
// at deploy time, by invoking the admin-api function with the Function URL
// event of POST /v1/callback-numbers — the same validation and store code as
// the admin route and the operator CLI. A non-2xx answer (a malformed
// number, a number of a site's pool) fails the deployment, which rolls back.
// The handler may only invoke that one function.
//
// Create and update add the number; delete does nothing: dropping a number
// from the context never takes it out of service behind the operator's back
// (it may be leased to an agent a PSAP is calling back). Remove numbers with
// DELETE /v1/callback-numbers/{number} or the operator CLI.
func seedCallbackPool(stack awscdk.Stack, admin awslambda.Function, pool []PoolNumber) {
	if len(pool) == 0 {
		return
	}
	retention := func(id string) awslogs.LogGroup {
		return awslogs.NewLogGroup(stack, jsii.String(id), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_THREE_MONTHS})
	}
	onEvent := awslambda.NewFunction(stack, jsii.String("SeedCallbackPoolHandler"), &awslambda.FunctionProps{
		Description:   jsii.String("Mayday: seeds the callback pool at deploy time through admin-api; fails the deploy on a non-2xx answer"),
		Runtime:       awslambda.Runtime_NODEJS_24_X(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("index.handler"),
		MemorySize:    jsii.Number(256),
		Code:          awslambda.Code_FromInline(jsii.String(seedHandler)),
		Timeout:       awscdk.Duration_Minutes(jsii.Number(1)),
		LoggingFormat: awslambda.LoggingFormat_JSON,
		LogGroup:      retention("SeedCallbackPoolHandlerLogs"),
		Tracing:       awslambda.Tracing_ACTIVE,
	})
	admin.GrantInvoke(onEvent)
	nagFunction(onEvent)
	nagSeedHandler(onEvent)
	provider := customresources.NewProvider(stack, jsii.String("SeedCallbackPoolProvider"), &customresources.ProviderProps{
		OnEventHandler: onEvent,
		LogGroup:       retention("SeedCallbackPoolProviderLogs"),
	})
	nagProvider(provider)
	for _, n := range pool {
		awscdk.NewCustomResource(stack, jsii.String("SeedCallbackNumber"+n.Country+strings.TrimPrefix(n.Number, "+")), &awscdk.CustomResourceProps{
			ServiceToken: provider.ServiceToken(),
			ResourceType: jsii.String("Custom::CallbackNumber"),
			Properties: &map[string]any{
				"FunctionName": admin.FunctionName(),
				"Number":       n.Number,
				"Payload":      addNumberEvent(n),
				"PhysicalId":   "callback-number:" + n.Country + ":" + n.Number,
			},
		})
	}
}

// addNumberEvent is the Lambda Function URL request event (payload format
// 2.0) of POST /v1/callback-numbers {"number","country"}.
func addNumberEvent(n PoolNumber) string {
	body, err := json.Marshal(map[string]string{"number": n.Number, "country": n.Country})
	if err != nil {
		panic(err)
	}
	ev, err := json.Marshal(map[string]any{
		"version":        "2.0",
		"routeKey":       "$default",
		"rawPath":        callbackNumbersPath,
		"rawQueryString": "",
		"headers":        map[string]string{"content-type": "application/json"},
		"requestContext": map[string]any{
			"http": map[string]string{"method": "POST", "path": callbackNumbersPath, "protocol": "HTTP/1.1",
				"sourceIp": "127.0.0.1", "userAgent": "mayday-cdk-seed"},
		},
		"body":            string(body),
		"isBase64Encoded": false,
	})
	if err != nil {
		panic(err)
	}
	return string(ev)
}
