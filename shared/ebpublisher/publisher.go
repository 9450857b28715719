// Package ebpublisher puts Mayday's events on an Amazon EventBridge bus.
package ebpublisher

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/mayday/mayday/events"
	"github.com/mayday/mayday/shared/mayday"
)

// PutEvents limits.
const (
	maxEntries      = 10
	maxRequestBytes = 256 * 1024
	attempts        = 3 // per batch, first try included
)

// Publisher is a mayday.Publisher over EventBridge PutEvents.
type Publisher struct {
	client  *eventbridge.Client
	busName string
	backoff time.Duration // before the first retry of failed entries, doubling
}

var _ mayday.Publisher = (*Publisher)(nil)

// New returns a publisher to the named bus (a name or an ARN).
func New(client *eventbridge.Client, busName string) *Publisher {
	return &Publisher{client: client, busName: busName, backoff: 100 * time.Millisecond}
}

// Publish puts the events on the bus, as few PutEvents calls as the limits
// allow (10 entries and 256 KiB a request). Entries EventBridge reports as
// failed are retried, alone, a few times; any still failing make Publish
// return an error naming their count and error codes. Nothing is sent when an
// event cannot be encoded or is over 256 KiB by itself.
func (p *Publisher) Publish(ctx context.Context, evs ...events.Event) error {
	entries := make([]types.PutEventsRequestEntry, 0, len(evs))
	sizes := make([]int, 0, len(evs))
	for _, ev := range evs {
		detail := []byte("{}")
		if ev.Detail != nil {
			b, err := json.Marshal(ev.Detail)
			if err != nil {
				return fmt.Errorf("eventbridge publish %s: detail: %w", ev.DetailType, err)
			}
			detail = b
		}
		e := types.PutEventsRequestEntry{
			Source:       aws.String(events.Source),
			DetailType:   aws.String(ev.DetailType),
			Detail:       aws.String(string(detail)),
			EventBusName: aws.String(p.busName),
		}
		n := EntrySize(e)
		if n > maxRequestBytes {
			return fmt.Errorf("%w: eventbridge publish %s: entry is %d bytes, over the %d-byte limit",
				mayday.ErrInvalid, ev.DetailType, n, maxRequestBytes)
		}
		entries, sizes = append(entries, e), append(sizes, n)
	}
	for len(entries) > 0 {
		n, total := 0, 0
		for n < len(entries) && n < maxEntries && total+sizes[n] <= maxRequestBytes {
			total += sizes[n]
			n++
		}
		if err := p.put(ctx, entries[:n]); err != nil {
			return err
		}
		entries, sizes = entries[n:], sizes[n:]
	}
	return nil
}

// put sends one batch, resending only the entries that failed.
func (p *Publisher) put(ctx context.Context, batch []types.PutEventsRequestEntry) error {
	wait := p.backoff
	var codes map[string]int
	for try := 1; ; try++ {
		out, err := p.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: batch})
		if err != nil {
			return fmt.Errorf("eventbridge put %d event(s) on %s: %w", len(batch), p.busName, err)
		}
		if out.FailedEntryCount == 0 {
			return nil
		}
		if len(out.Entries) != len(batch) {
			return fmt.Errorf("eventbridge put %d event(s) on %s: %d failed; response has %d entries for %d sent",
				len(batch), p.busName, out.FailedEntryCount, len(out.Entries), len(batch))
		}
		var failed []types.PutEventsRequestEntry
		codes = map[string]int{}
		for i, r := range out.Entries {
			if r.ErrorCode != nil || r.EventId == nil {
				failed = append(failed, batch[i])
				codes[aws.ToString(r.ErrorCode)]++
			}
		}
		batch = failed
		if len(batch) == 0 { // FailedEntryCount disagreed with the entries
			return nil
		}
		if try == attempts {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("eventbridge put on %s: %d event(s) failed (%s): %w", p.busName, len(batch), describe(codes), ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
	return fmt.Errorf("%w: eventbridge put on %s: %d event(s) still failed after %d attempts (%s)",
		mayday.ErrUnavailable, p.busName, len(batch), attempts, describe(codes))
}

func describe(codes map[string]int) string {
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		name := c
		if name == "" {
			name = "no error code"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, codes[c]))
	}
	return strings.Join(parts, ", ")
}

// EntrySize is an entry's size as EventBridge counts it against the 256 KiB
// request limit: 14 bytes for Time when set, plus the UTF-8 bytes of Source,
// DetailType, Detail and each Resources entry.
func EntrySize(e types.PutEventsRequestEntry) int {
	n := len(aws.ToString(e.Source)) + len(aws.ToString(e.DetailType)) + len(aws.ToString(e.Detail))
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}
