// Package mayday is the domain: agents and their presence, emergency dials,
// callback-number leases, callback routing and notifications, with the ports
// (store, publisher, mailer, clock) the adapters implement. It imports no AWS
// package: handlers and adapters depend on it, never the other way round.
package mayday
