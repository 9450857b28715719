package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mayday/mayday/shared/awsclients"
	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/httpapi"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/integration"
)

type tick struct{ t time.Time }

func (c *tick) Now() time.Time { c.t = c.t.Add(time.Millisecond); return c.t }

// TestAuditExport runs `mayday audit export` against a record table on
// DynamoDB Local: every entry recorded in the window, one JSON line each,
// in the order recorded; -call gives one call's record and fails, after
// writing it, when its chain does not hold.
func TestAuditExport(t *testing.T) {
	integration.Endpoint(t, "AWS_ENDPOINT_URL_DYNAMODB")
	ctx := context.Background()
	table := fmt.Sprintf("record-%d", time.Now().UnixNano())
	t.Setenv("MAYDAY_RECORD_TABLE", table)
	clients, err := awsclients.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := dynamostore.CreateRecordTable(ctx, clients.DynamoDB, table); err != nil {
		t.Fatal(err)
	}
	rec := dynamostore.NewRecord(clients.DynamoDB, table, time.Hour)
	now := time.Now().UTC()
	old := &tick{t: now.Add(-30 * time.Hour)}
	recent := &tick{t: now.Add(-time.Hour)}
	appendTo := func(clock mayday.Clock, call string, ids ...string) {
		for _, id := range ids {
			if _, err := mayday.AppendRecord(ctx, rec, clock, call, mayday.RecordDraft{ID: id, Kind: "k-" + id, At: clock.Now()}); err != nil {
				t.Fatal(err)
			}
		}
	}
	appendTo(old, "c-old", "o1")
	appendTo(recent, "c-1", "a1", "a2")
	appendTo(recent, "c-2", "b1")
	appendTo(recent, "c-1", "a3")

	export := func(args ...string) ([]httpapi.RecordEntryView, error) {
		var out strings.Builder
		c := newCall(find("audit"), &out, io.Discard)
		err := c.cmd.run(ctx, c, args)
		var views []httpapi.RecordEntryView
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if line == "" {
				continue
			}
			var v httpapi.RecordEntryView
			if err := json.Unmarshal([]byte(line), &v); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			views = append(views, v)
		}
		return views, err
	}
	ids := func(vs []httpapi.RecordEntryView) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.ID)
		}
		return strings.Join(out, " ")
	}
	var got []httpapi.RecordEntryView
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got, err = export("export", "-since", "24h")
		if err != nil || ids(got) == "a1 a2 b1 a3" || time.Now().After(deadline) {
			break // the by-day index is eventually consistent
		}
	}
	if err != nil || ids(got) != "a1 a2 b1 a3" {
		t.Fatalf("export -since 24h: %q, %v; want a1 a2 b1 a3", ids(got), err)
	}
	if got[0].CallID != "c-1" || got[0].Seq != 1 || got[0].Hash == "" || got[1].PrevHash != got[0].Hash {
		t.Errorf("first lines: %+v", got[:2])
	}
	if got, err := export("export", "-since", "48h"); err != nil || !strings.HasPrefix(ids(got), "o1 ") {
		t.Errorf("export -since 48h: %q, %v", ids(got), err)
	}
	if got, err := export("export", "-call", "c-1"); err != nil || ids(got) != "a1 a2 a3" {
		t.Errorf("export -call c-1: %q, %v", ids(got), err)
	}
	if _, err := export("export", "-call", "c-unknown"); !errors.Is(err, mayday.ErrNotFound) {
		t.Errorf("export -call c-unknown: %v", err)
	}
	for _, args := range [][]string{{"export", "-since", "-1h"}, {"import"}, {}} {
		if _, err := export(args...); !errors.As(err, new(usageError)) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
