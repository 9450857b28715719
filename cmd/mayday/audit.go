package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/settings"
)

var auditCommand = &command{
	name: "audit", operator: true,
	args:    "export [-since 24h] [-call CALL]",
	summary: "export the emergency record as JSON lines (with the audit role's credentials)",
	about: `  export   every entry recorded since -since ago, one JSON object a line, in
           the order recorded; with -call, that call's record in order,
           checked: a record whose hash chain does not hold fails the export
           after writing it

Each line is an entry as GET /v1/emergencies/{callId}/record returns it:
callId, seq, id, kind, at, recordedAt, source, fields, prevHash, hash. Run it
with the credentials of the audit role (the stack's AuditRoleArn output): the
record table is readable by that role only.`,
	env: []envVar{required(settings.RecordTable)}, otherEnv: operatorOther, run: runAudit,
}

func runAudit(ctx context.Context, c *call, args []string) error {
	since := c.flags.Duration("since", 24*time.Hour, "how far back to export")
	callID := c.flags.String("call", "", "export only this call's record")
	args, err := c.parse(args)
	if err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "export" {
		return c.usageErrorf("want export")
	}
	if *since <= 0 {
		return c.usageErrorf("-since must be positive")
	}
	table, err := settings.RecordTable.Get(os.LookupEnv)
	if err == nil && table == "" {
		err = fmt.Errorf("%s is not set (the stack's RecordTableName output)", settings.RecordTable.Env)
	}
	if err != nil {
		return err
	}
	clients, err := awsclients.New(ctx)
	if err != nil {
		return err
	}
	audit, err := mayday.NewAuditAPI(dynamostore.NewRecord(clients.DynamoDB, table, 0), mayday.Options{})
	if err != nil {
		return err
	}
	return exportRecord(ctx, c, audit, *callID, time.Now().Add(-*since))
}

// exportRecord writes the entries, one JSON object a line.
func exportRecord(ctx context.Context, c *call, audit *mayday.AuditAPI, callID string, since time.Time) error {
	var entries []mayday.RecordEntry
	var tamper *mayday.TamperError
	if callID != "" {
		r, err := audit.Record(ctx, callID)
		if err != nil {
			return err
		}
		entries, tamper = r.Entries, r.Tamper
	} else {
		var err error
		if entries, err = audit.Since(ctx, since); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	for _, e := range entries {
		if err := enc.Encode(httpapi.ViewRecordEntry(e)); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if tamper != nil {
		return tamper
	}
	return nil
}
