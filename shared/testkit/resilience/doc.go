// Package resilience holds Mayday's resilience tests only: faults injected
// into DynamoDB, SES and EventBridge calls (package faults), duplicated and
// reordered webhooks and events, and concurrent dials, each driven through
// the local runner or the HTTP contract and checked against the final state
// SPEC §1 and §3 promise. See resilience_test.go and ordering_test.go.
package resilience
