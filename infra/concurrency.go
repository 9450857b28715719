package main

import (
	"fmt"
	"strconv"

	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
	"github.com/mayday/mayday/shared/settings"
)

// ctxWebhookReservedConcurrency is the context key of the concurrency
// reserved for each public function the configured platform calls during a
// dial. 0, the default, reserves none: a new account's quota is often 10,
// and Lambda refuses any reservation that leaves fewer than 100 unreserved,
// so a default reservation would fail the first deploy and leave the
// retained table and log groups behind. Reserving both guarantees and caps:
// a flood on one webhook cannot take the concurrency the event chain behind
// an emergency call needs, and nothing else in the account can starve it.
const ctxWebhookReservedConcurrency = "webhookReservedConcurrency"

// Lambda keeps at least unreservedFloor of the account's quota unreserved;
// maxReservedTotal is what a default quota of 1000 leaves for reservations.
const (
	unreservedFloor  = 100
	maxReservedTotal = 1000 - unreservedFloor
)

// reservedFunctions is what the configured platform calls while an agent
// dials: Connect's contact flow calls connect-flow (its webhooks then go
// unused); otherwise the telephony platform calls the two webhooks.
func reservedFunctions(c Config) []string {
	if c.Get(settings.ConnectInstanceARN) != "" {
		return []string{functions.ConnectFlow}
	}
	return []string{functions.DialDetection, functions.PriorityCallbackRouting}
}

// parseReservedConcurrency reads the context value ("" is 0) and checks it
// against the default quota: what the reservations total must leave the
// unreserved floor. An account with a lower quota must raise it first
// (docs/DEPLOY.md, prerequisites).
func parseReservedConcurrency(v string, c Config) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("context %s=%q: want a whole number, 0 for none", ctxWebhookReservedConcurrency, v)
	}
	c.WebhookReservedConcurrency = n
	return n, checkReservedConcurrency(c)
}

// checkReservedConcurrency rejects a negative reservation, and one whose
// total would not leave the unreserved floor of the default quota.
func checkReservedConcurrency(c Config) error {
	n := c.WebhookReservedConcurrency
	if n < 0 {
		return fmt.Errorf("context %s=%d: want 0 (none) or more", ctxWebhookReservedConcurrency, n)
	}
	if total := n * len(reservedFunctions(c)); total > maxReservedTotal {
		return fmt.Errorf("context %s=%d: reserves %d in all, above the %d a quota of 1000 allows with %d unreserved",
			ctxWebhookReservedConcurrency, n, total, maxReservedTotal, unreservedFloor)
	}
	return nil
}

// reservedConcurrency is a function's reserved concurrency, nil for the
// account's unreserved pool.
func reservedConcurrency(function string, c Config) *float64 {
	if c.WebhookReservedConcurrency == 0 {
		return nil
	}
	for _, f := range reservedFunctions(c) {
		if f == function {
			return jsii.Number(c.WebhookReservedConcurrency)
		}
	}
	return nil
}
