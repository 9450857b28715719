package main

import (
	"errors"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/mayday/mayday/functions"
)

// MaydayStackProps configures the stack.
type MaydayStackProps struct {
	awscdk.StackProps
	// Config is the operator's settings (cdk.json context).
	Config Config
	// AssetDir holds one directory per function with its `bootstrap`, as
	// `make build` writes them (default "build").
	AssetDir string
}

// NewMaydayStack wires the whole deployment; each concern has its own
// constructor in this package.
func NewMaydayStack(scope constructs.Construct, id string, props *MaydayStackProps) awscdk.Stack {
	if props == nil {
		props = &MaydayStackProps{Config: DefaultConfig()}
	}
	if props.AssetDir == "" {
		props.AssetDir = "build"
	}
	cfg := props.Config
	if err := errors.Join(cfg.Validate(), cfg.Guards()); err != nil {
		panic(err)
	}
	stack := awscdk.NewStack(scope, &id, &props.StackProps)

	checkRegion(stack)
	table := newTable(stack)
	bus := newBus(stack)
	newEmailTemplate(stack)
	fns := newFunctions(stack, functionsProps{AssetDir: props.AssetDir, Config: cfg, Table: table, Bus: bus})
	grantSendEmail(stack, fns[functions.EmailNotification], cfg)
	grantSendEmail(stack, fns[functions.AlertEscalation], cfg)
	newAlertChannels(stack, cfg, fns)
	desk := newAlertDesk(stack, cfg, fns)
	record := newEmergencyRecord(stack, fns)
	newPlaceIndex(stack, fns)
	hooks := newWebhooks(stack, fns)
	twilioToken := newTwilio(stack, cfg, hooks, fns)
	newPresencePush(stack, cfg, fns, twilioToken)
	delivery := newRules(stack, cfg, bus, fns)
	newConnect(stack, cfg, fns)
	topic := newAlarms(stack, cfg, fns, delivery)
	failed := newFailedInvocations(stack, topic, fns)
	seedCallbackPool(stack, fns[functions.AdminAPI], cfg.CallbackPool)
	newFailureAlarms(stack, topic, failed, fns)
	newEscalationDeadLetters(stack, topic, desk, fns)
	newOutboxPublisher(stack, table, topic, fns)
	newRejectionAlarms(stack, topic, fns, hooks, desk)
	newHeartbeat(stack, topic, fns)
	newDashboard(stack, fns, failed)
	newOutputs(stack, table, bus, hooks)
	newInvokeAccess(stack, fns)
	newDeliveryOutputs(stack, delivery)
	newRecordOutputs(stack, record)
	return stack
}
