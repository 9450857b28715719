package mayday

import (
	"testing"
	"time"
)

func TestPresenceSaveRestore(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	type step struct {
		op       string // begin, end, set
		call     string
		presence Presence // for set
		want     Presence
		active   int
	}
	tests := []struct {
		name  string
		start Presence
		steps []step
	}{
		{"dial then end restores", Busy, []step{
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "end", call: "c1", want: Busy}}},
		{"duplicate dial keeps the remembered presence", Away, []step{
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "end", call: "c1", want: Away}}},
		{"duplicate end changes nothing", Available, []step{
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "end", call: "c1", want: Available},
			{op: "set", presence: Busy, want: Busy},
			{op: "end", call: "c1", want: Busy}}},
		{"end before start: the late start is ignored", Available, []step{
			{op: "end", call: "c1", want: Available},
			{op: "begin", call: "c1", want: Available}}},
		{"callback during the call: restore after the last", Busy, []step{
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "begin", call: "cb", want: DoNotDisturb, active: 2},
			{op: "end", call: "c1", want: DoNotDisturb, active: 1},
			{op: "end", call: "cb", want: Busy}}},
		{"presence change during an emergency is restored after", Available, []step{
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "set", presence: Offline, want: DoNotDisturb, active: 1},
			{op: "end", call: "c1", want: Offline}}},
		{"agent already on DND returns to DND", DoNotDisturb, []step{
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "end", call: "c1", want: DoNotDisturb}}},
		{"unknown agent returns to Available", "", []step{
			{op: "begin", call: "c1", want: DoNotDisturb, active: 1},
			{op: "end", call: "c1", want: Available}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Agent{ID: "a-1", Profile: Profile{Presence: tt.start}}
			for i, s := range tt.steps {
				switch s.op {
				case "begin":
					a.BeginEmergency(s.call, KindOutbound, t0)
				case "end":
					a.EndEmergency(s.call)
				case "set":
					a.SetPresence(s.presence)
				}
				if a.Presence != s.want || len(a.Emergency.Active) != s.active {
					t.Fatalf("step %d (%s %s): presence %s active %d, want %s active %d",
						i, s.op, s.call, a.Presence, len(a.Emergency.Active), s.want, s.active)
				}
			}
		})
	}
}

func TestEndedMemoryIsBounded(t *testing.T) {
	var a Agent
	for i := range 3 * endedMemory {
		a.EndEmergency(string(rune('A' + i)))
	}
	if len(a.Emergency.Ended) != endedMemory {
		t.Fatalf("remembered %d ended calls, want %d", len(a.Emergency.Ended), endedMemory)
	}
}
