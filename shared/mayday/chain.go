package mayday

import "errors"

// UseCases is every step of the chain over one set of adapters, for what
// runs the whole chain in one process: the local runner and tests. A Lambda
// function builds only its own use case.
type UseCases struct {
	DialDetection           *DialDetection
	CallbackLeaseAllocation *CallbackLeaseAllocation
	PriorityCallbackRouting *PriorityCallbackRouting
	EmailNotification       *EmailNotification
	PresenceRestore         *PresenceRestore
	CallHistory             *CallHistory
	LeaseExpiry             *LeaseExpiry
	AdminAPI                *AdminAPI
	// PresencePush is nil unless a presence platform is configured:
	// NewUseCases leaves it for the caller that has one (NewPresencePush).
	PresencePush *PresencePush
	// EmergencyRecord and AuditAPI are nil unless the caller has an
	// emergency record (WithRecord).
	EmergencyRecord *EmergencyRecord
	AuditAPI        *AuditAPI
	// AlertAck shows and acknowledges alerts; AlertEscalation escalates
	// them (Options.Escalations schedules it).
	AlertAck        *AlertAck
	AlertEscalation *AlertEscalation
}

// WithRecord builds the use cases of the emergency record: the writer of
// the events and the reader.
func (u *UseCases) WithRecord(record RecordStore, o Options) error {
	var errs [2]error
	u.EmergencyRecord, errs[0] = NewEmergencyRecord(record, o)
	u.AuditAPI, errs[1] = NewAuditAPI(record, o)
	return errors.Join(errs[:]...)
}

// NewUseCases builds every use case; every port is required.
func NewUseCases(store Store, events Publisher, mailer Mailer, o Options) (UseCases, error) {
	var u UseCases
	var errs [10]error
	u.DialDetection, errs[0] = NewDialDetection(store, events, o)
	u.CallbackLeaseAllocation, errs[1] = NewCallbackLeaseAllocation(store, events, o)
	u.PriorityCallbackRouting, errs[2] = NewPriorityCallbackRouting(store, events, o)
	u.EmailNotification, errs[3] = NewEmailNotification(store, mailer, o)
	u.PresenceRestore, errs[4] = NewPresenceRestore(store, o)
	u.CallHistory, errs[5] = NewCallHistory(store, o)
	u.LeaseExpiry, errs[6] = NewLeaseExpiry(store, events, o)
	u.AdminAPI, errs[7] = NewAdminAPI(store, o)
	u.AlertAck, errs[8] = NewAlertAck(store, o)
	u.AlertEscalation, errs[9] = NewAlertEscalation(store, mailer, o)
	return u, errors.Join(errs[:]...)
}
