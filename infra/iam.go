package main

import (
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/dynamostore"
)

// The DynamoDB actions shared/dynamostore issues, and what issues them:
// every Get* and the read of every Update*/Delete* is a GetItem; an
// Update* writes with a conditional PutItem (never UpdateItem); a Delete*
// is a conditional DeleteItem; AddActivity a conditional PutItem; the
// dial's ReadSetup a BatchGetItem and its WriteSetup a TransactWriteItems of
// Puts (IAM authorises each Put as PutItem); ListActivities queries the
// table; the List*/Agents*/Leases* reads query an index, and ListNumbers("")
// alone scans one (gsi3, which holds only the numbers and the sites).
const (
	getItem      = "dynamodb:GetItem"
	batchGetItem = "dynamodb:BatchGetItem"
	putItem      = "dynamodb:PutItem"
	deleteItem   = "dynamodb:DeleteItem"
	query        = "dynamodb:Query"
	scan         = "dynamodb:Scan"
)

// The kinds of item, by the prefix of their partition key.
const (
	agentItems        = dynamostore.AgentPartition
	callItems         = dynamostore.CallPartition
	numberItems       = dynamostore.NumberPartition
	siteItems         = dynamostore.SitePartition
	notificationItems = dynamostore.NotificationPartition
	historyItems      = dynamostore.HistoryPartition
	alertItems        = dynamostore.AlertPartition
	outboxItems       = dynamostore.OutboxPrefix
)

// tableAccess is what a function may do on the table: on the table's items,
// by action, the kinds of item (dynamodb:LeadingKeys); on the indexes, by
// action, the indexes.
type tableAccess struct {
	Items   map[string][]string
	Indexes map[string][]string
	// Stream: the function reads the table's stream, through its event
	// source mapping (which grants the stream's read actions).
	Stream bool
}

// dial is what the dial (dial-detection, connect-flow's action=dial) does:
// it reads the agent, the call and the site; ReadSetup batch-reads the
// agent and the call; WriteSetup and the call's end write the call, the
// agent and the number presented; the pool and the sites are read from
// gsi3; the start and the end record their events in the outbox. routing is a callback's route (priority-callback-routing,
// connect-flow's action=inbound): the call, the number, the agent, and its
// announcement in the outbox.
var (
	dial = tableAccess{
		Items: map[string][]string{
			getItem:      {agentItems, callItems, siteItems},
			batchGetItem: {agentItems, callItems},
			putItem:      {agentItems, callItems, numberItems, outboxItems},
		},
		Indexes: map[string][]string{query: {dynamostore.IndexPool}},
	}
	routing = tableAccess{Items: map[string][]string{
		getItem: {agentItems, callItems, numberItems},
		putItem: {agentItems, callItems, numberItems, outboxItems},
	}}
)

// functionTableAccess is each function's table access, read from the code
// it runs (functions/<name>/main.go, its use case in shared/mayday, the
// store calls in shared/dynamostore). TestTableAccessAsDeployed runs the
// functions under these policies; TestTableAccess checks the template.
var functionTableAccess = map[string]tableAccess{
	functions.DialDetection:           dial,
	functions.PriorityCallbackRouting: routing,
	functions.ConnectFlow:             union(dial, routing),
	// Everything an operator manages: agents, sites, pools (added, moved,
	// deleted), an agent's history; the readiness report and the lists
	// read every index, and the list of every pool scans gsi3.
	functions.AdminAPI: {
		Items: map[string][]string{
			getItem:    {agentItems, numberItems, siteItems, alertItems},
			putItem:    {agentItems, numberItems, siteItems, alertItems, outboxItems},
			deleteItem: {numberItems, siteItems},
			query:      {historyItems},
		},
		Indexes: map[string][]string{
			query: {dynamostore.IndexLeasesByAgent, dynamostore.IndexLeasesByExpiry, dynamostore.IndexPool},
			scan:  {dynamostore.IndexPool},
		},
	},
	// The desktop's state: the agent, and the numbers leased to them.
	functions.AgentState: {
		Items:   map[string][]string{getItem: {agentItems}},
		Indexes: map[string][]string{query: {dynamostore.IndexLeasesByAgent}},
	},
	// Records the start and Do Not Disturb when the dial could not, reads
	// the lease's expiry when the event does not say it.
	functions.CallbackLeaseAllocation: {Items: map[string][]string{
		getItem: {agentItems, callItems, numberItems},
		putItem: {agentItems, callItems},
	}},
	// The agent and their site; the notification's claim and outcome.
	functions.EmailNotification: {Items: map[string][]string{
		getItem: {agentItems, siteItems, notificationItems, alertItems},
		putItem: {notificationItems, alertItems},
	}},
	// The page: the alert only (shown, acknowledged), and the
	// acknowledgement's event in the outbox.
	functions.AlertAck: {Items: map[string][]string{
		getItem: {alertItems},
		putItem: {alertItems, outboxItems},
	}},
	// The escalation: the alert (claimed), its site (the next tier), the
	// call's notification (what went).
	functions.AlertEscalation: {Items: map[string][]string{
		getItem: {alertItems, siteItems, notificationItems},
		putItem: {alertItems, notificationItems, outboxItems},
	}},
	// Restores the agent; for a PSAP callback reads its call and number to
	// find the emergency call whose record the restore joins.
	functions.PresenceRestore: {Items: map[string][]string{
		getItem: {agentItems, callItems, numberItems},
		putItem: {agentItems},
	}},
	// Reads the ended call, writes the history entry.
	functions.CallHistory: {Items: map[string][]string{
		getItem: {callItems},
		putItem: {historyItems},
	}},
	// Releases expired leases (gsi2's lease partition), restores agents
	// stuck in an emergency (gsi2's emergency partition), and with Amazon
	// Connect ends the calls Connect reports disconnected (their end's
	// events recorded in the outbox).
	functions.LeaseExpiry: {
		Items: map[string][]string{
			getItem: {agentItems, callItems, numberItems},
			putItem: {agentItems, callItems, numberItems, outboxItems},
		},
		Indexes: map[string][]string{query: {dynamostore.IndexLeasesByExpiry}},
	},
	// Records the conversation's start (as the allocator does) and what it
	// did in the platform, on the agent.
	functions.PresencePush: {Items: map[string][]string{
		getItem: {agentItems, callItems},
		putItem: {agentItems, callItems},
	}},
	// Ends the call, recording its end's events in the outbox.
	functions.ConnectEvents: {Items: map[string][]string{
		getItem: {callItems},
		putItem: {callItems, outboxItems},
	}},
	// Publishes what the others recorded: the stream only, no item.
	functions.OutboxPublisher: {Stream: true},
	// The emergency record has a table of its own (recordTableAccess);
	// these two never touch this one.
	functions.EmergencyRecord: {},
	functions.AuditAPI:        {},
}

// anyItem is every item of a table whose partition keys share no prefix
// (the record's are call ids): no dynamodb:LeadingKeys condition.
const anyItem = "*"

// appendRecord is what a function adding to the emergency record does:
// AppendRecord queries the call's entries for the chain's end, then puts
// the next (conditional on its key being new).
var appendRecord = tableAccess{Items: map[string][]string{putItem: {anyItem}, query: {anyItem}}}

// recordTableAccess is each function's access to the emergency record's
// table, granted as functionTableAccess is; every function here is also
// explicitly denied what could change an entry (recordWriteActions). The
// audit function reads one call's record, by its key; the by-day index is
// the audit role's (the export).
var recordTableAccess = map[string]tableAccess{
	functions.EmergencyRecord:   appendRecord,
	functions.EmailNotification: appendRecord,
	functions.AlertEscalation:   appendRecord,
	functions.PresenceRestore:   appendRecord,
	functions.AuditAPI:          {Items: map[string][]string{query: {anyItem}}},
}

// union is what a function doing both a's and b's work may do.
func union(a, b tableAccess) tableAccess {
	merge := func(x, y map[string][]string) map[string][]string {
		out := map[string][]string{}
		for _, m := range []map[string][]string{x, y} {
			for action, on := range m {
				out[action] = append(out[action], on...)
			}
		}
		for action := range out {
			slices.Sort(out[action])
			out[action] = slices.Compact(out[action])
		}
		return out
	}
	return tableAccess{Items: merge(a.Items, b.Items), Indexes: merge(a.Indexes, b.Indexes)}
}

// grantTable gives fn its table access: one statement per group of actions
// allowed on the same kinds of item, on the table, with the kinds as
// dynamodb:LeadingKeys (ForAllValues: every key a request names must be of
// one of them — a BatchGetItem of an agent and a call too); one statement
// per group of actions on the same indexes, on those indexes only. No
// LeadingKeys on an index: its partition keys are the index's (LEASE,
// POOL#<country>, ...), not the items'. Items anyItem: no condition. sid
// names the table in the statements' ids ("Table", "Record"). An empty
// access grants nothing.
func grantTable(fn awslambda.Function, table awsdynamodb.ITable, sid string, access tableAccess) {
	for _, g := range groups(access.Items) {
		st := &awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid + "Items" + sidOf(g.on)),
			Actions:   jsii.Strings(g.actions...),
			Resources: &[]*string{table.TableArn()},
		}
		if !slices.Equal(g.on, []string{anyItem}) {
			prefixes := make([]string, len(g.on))
			for i, p := range g.on {
				prefixes[i] = p + "*"
			}
			st.Conditions = &map[string]any{
				"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": prefixes},
			}
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(st))
	}
	for _, g := range groups(access.Indexes) {
		arns := make([]*string, len(g.on))
		for i, index := range g.on {
			arns[i] = jsii.String(*table.TableArn() + "/index/" + index)
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid + "Indexes" + sidOf(g.on)),
			Actions:   jsii.Strings(g.actions...),
			Resources: &arns,
		}))
	}
}

// group is actions allowed on the same things.
type group struct{ actions, on []string }

// groups turns action → things into statements' groups, in a stable order.
func groups(byAction map[string][]string) []group {
	var out []group
	for _, action := range slices.Sorted(maps.Keys(byAction)) {
		on := slices.Sorted(slices.Values(byAction[action]))
		i := slices.IndexFunc(out, func(g group) bool { return slices.Equal(g.on, on) })
		if i < 0 {
			out = append(out, group{on: on})
			i = len(out) - 1
		}
		out[i].actions = append(out[i].actions, action)
	}
	return out
}

// sidOf is a statement id naming things: "AGENT#", "gsi1" → "AgentGsi1".
func sidOf(things []string) string {
	var b strings.Builder
	for _, t := range things {
		if t == anyItem {
			continue
		}
		b.WriteString(constructID(strings.ToLower(strings.TrimSuffix(t, "#"))))
	}
	return b.String()
}
