package main

import (
	"github.com/aws/jsii-runtime-go"

	"github.com/mayday/mayday/functions"
)

// webhookConcurrency reserves concurrency for the public webhooks. It both
// guarantees and caps: a flood of unsigned requests on one webhook cannot
// take the account's concurrency from the other functions (the event chain
// behind an emergency call), and whatever else runs in the account cannot
// starve the webhooks. Dial detection sees every call's dial and end (a
// large contact center: ~100 requests/s at peak, ~10 concurrent at a
// 100 ms answer, 100 with the store at its one-second bound); callback
// routing only inbound calls to pool numbers. Together 125: with Lambda's
// default account quota of 1000 that leaves 875 unreserved, above the 100
// Lambda requires; an account whose quota is lower must raise it first.
var webhookConcurrency = map[string]float64{
	functions.DialDetection:           100,
	functions.PriorityCallbackRouting: 25,
}

// reservedConcurrency is a function's reserved concurrency, nil for the
// account's unreserved pool.
func reservedConcurrency(function string) *float64 {
	if n, ok := webhookConcurrency[function]; ok {
		return jsii.Number(n)
	}
	return nil
}
