// Package eventstest gives tests the event fixtures of package events: one
// full EventBridge event (envelope and detail) per detail-type, as a target
// receives it, under events/testdata/. It is test support; shipping code does
// not import it.
//
// Fixtures are named by their file's base name without ".json", e.g.
// "emergency-call-started" or "scheduled-event".
package eventstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	lambdaevents "github.com/aws/aws-lambda-go/events"
)

// Dir is the absolute path of events/testdata, found from this source file's
// location, so it works from any package's tests whatever their working
// directory (though not in a test binary built with -trimpath).
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("eventstest: cannot locate events/testdata")
	}
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// Path is the absolute path of the fixture name.
func Path(name string) string {
	return filepath.Join(Dir(), name+".json")
}

// Names lists every fixture, sorted.
func Names() []string {
	files, err := filepath.Glob(filepath.Join(Dir(), "*.json"))
	if err != nil {
		panic("eventstest: " + err.Error())
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".json"))
	}
	slices.Sort(names)
	return names
}

// Bytes is the fixture's file content, exactly as stored.
func Bytes(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(Path(name))
	if err != nil {
		t.Fatalf("eventstest: fixture %s: %v", name, err)
	}
	return b
}

// Load decodes the fixture into the event a target receives. Unknown
// envelope fields fail the test.
func Load(t testing.TB, name string) lambdaevents.EventBridgeEvent {
	t.Helper()
	var e lambdaevents.EventBridgeEvent
	if err := Strict(Bytes(t, name), &e); err != nil {
		t.Fatalf("eventstest: fixture %s: %v", name, err)
	}
	return e
}

// Detail decodes the fixture's detail into T. Fields T does not declare fail
// the test, so a renamed JSON tag is caught.
func Detail[T any](t testing.TB, name string) T {
	t.Helper()
	var d T
	if err := Strict(Load(t, name).Detail, &d); err != nil {
		t.Fatalf("eventstest: fixture %s: detail: %v", name, err)
	}
	return d
}

// Strict decodes one JSON value into v, refusing unknown fields and
// trailing data.
func Strict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value at offset %d", dec.InputOffset())
	}
	return nil
}
