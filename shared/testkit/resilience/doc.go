// Package resilience holds Mayday's resilience tests only: faults injected
// into DynamoDB, SES and EventBridge calls (package faults), duplicated and
// reordered webhooks and events, and concurrent dials, each driven through
// the local runner or the HTTP contract and checked against the final state
// every emergency call must reach: presence restored, one callback number,
// one email, nothing lost. See resilience_test.go and ordering_test.go.
package resilience
