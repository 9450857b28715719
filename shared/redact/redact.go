// Package redact keeps personal data out of logs: a slog.Handler wrapper
// that masks email addresses and phone numbers in every string and error
// logged, whatever code path produced them. Handlers log ids on purpose;
// this catches what error messages carry along (a recipient, a number).
package redact

import (
	"context"
	"log/slog"
	"regexp"
)

var (
	email = regexp.MustCompile(`[^\s"'<>(),;:]+@[^\s"'<>(),;:]+`)
	// E.164 or international with a +, 7+ digits in a row, or a North
	// American 3-3-4 number; dates and times (4-2-2, 2:2:2) stay readable.
	// UUIDs (event ids) match first and are kept.
	phone = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|` +
		`\+\d[\d\s().-]{5,}\d|\d{7,}|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b`)
	uuid = regexp.MustCompile(`^[0-9a-f]{8}-`)
)

// String masks the email addresses and phone numbers in s.
func String(s string) string {
	s = email.ReplaceAllString(s, "[email]")
	return phone.ReplaceAllStringFunc(s, func(m string) string {
		if uuid.MatchString(m) {
			return m
		}
		return "[number]"
	})
}

// Handler wraps h so that every string and error value is masked.
func Handler(h slog.Handler) slog.Handler { return handler{h} }

type handler struct{ next slog.Handler }

func (h handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h handler) WithAttrs(as []slog.Attr) slog.Handler {
	for i := range as {
		as[i] = attr(as[i])
	}
	return handler{h.next.WithAttrs(as)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.next.WithGroup(name)} }

func attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, x := range g {
			out[i] = attr(x)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, String(err.Error()))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
