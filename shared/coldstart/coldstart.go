// Package coldstart is a Lambda function's cold start: its settings read and
// checked (as package settings declares them), one AWS configuration read
// from what the Lambda runtime sets (AWS), the DynamoDB store, and the
// logger. A function that cannot be wired exits at once with one structured
// line, never at its first event. This package links the DynamoDB client
// only: a function builds the EventBridge or SES client it uses itself, so
// that each binary links only those.
package coldstart

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/redact"
	"github.com/mayday/mayday/shared/settings"
)

// Function is what a function's main wires its use case from.
type Function struct {
	Name    string
	Options mayday.Options // the use cases' configuration and logger
	AWS     aws.Config
	Log     *slog.Logger
	values  map[string]string
}

// Start reads the named function's settings and its AWS configuration, or
// exits; a function that reads the record table gets the emergency record in
// its Options. The logger is the Lambda logger (JSON when the function's log
// format is JSON) with personal data masked (package redact).
func Start(name string) *Function {
	log := slog.New(redact.Handler(lambdacontext.NewLogger().Handler()))
	f, err := Read(name, os.LookupEnv)
	if err == nil {
		f.AWS, err = AWS(os.LookupEnv)
	}
	f.Log, f.Options.Log = log, log
	f.Must(err)
	if _, ok := f.values[settings.RecordTable.Env]; ok {
		// The use cases that send or restore append to the emergency
		// record themselves.
		f.Options.Record = f.Record()
	}
	return f
}

// Read reads and checks what the named function reads (settings.Reads
// and settings.Domain). A resource the stack provides must be set.
func Read(name string, lookup settings.Lookup) (*Function, error) {
	if _, ok := settings.Functions[name]; !ok {
		return &Function{Name: name}, fmt.Errorf("function %q: no settings declared for it", name)
	}
	own := settings.Reads(name, lookup)
	f := &Function{Name: name, values: map[string]string{}}
	var errs []error
	for _, s := range own {
		v, err := s.Get(lookup)
		errs = append(errs, err)
		f.values[s.Env] = v
	}
	for _, s := range own {
		if s.Source == settings.FromResource && !s.Optional && f.values[s.Env] == "" && (s.Or == "" || f.values[s.Or] == "") {
			errs = append(errs, fmt.Errorf("%s is not set", s.Env))
		}
	}
	// The functions serving Twilio's voice webhooks need what Twilio cannot
	// dial without.
	if slices.ContainsFunc(own, func(s settings.Setting) bool { return s.Env == settings.TwilioOrdinaryURL.Env }) {
		errs = append(errs, settings.CheckTwilio(lookup))
	}
	cfg, err := settings.DomainConfig(lookup)
	f.Options.Config = cfg
	errs = append(errs, err)
	return f, errors.Join(errs...)
}

// Setting is the value of one of the function's settings. Reading one the
// function does not declare is a wiring bug: the stack would not set it.
func (f *Function) Setting(s settings.Setting) string {
	v, ok := f.values[s.Env]
	if !ok {
		f.Must(fmt.Errorf("function %s reads %s, which settings.Functions does not declare for it", f.Name, s.Env))
	}
	return v
}

// Duration is a duration setting's value (checked at cold start).
func (f *Function) Duration(s settings.Setting) time.Duration {
	d, err := time.ParseDuration(f.Setting(s))
	f.Must(err)
	return d
}

// Store is the DynamoDB store of the function's table.
func (f *Function) Store() mayday.Store {
	return dynamostore.New(DynamoDB(f.AWS), f.Setting(settings.Table))
}

// Record is the DynamoDB emergency record of the function, its entries
// kept for the retention setting when the function reads it.
func (f *Function) Record() mayday.RecordStore {
	var retention time.Duration
	if _, ok := f.values[settings.RecordRetention.Env]; ok {
		retention = f.Duration(settings.RecordRetention)
	}
	return dynamostore.NewRecord(DynamoDB(f.AWS), f.Setting(settings.RecordTable), retention)
}

// Must ends a cold start that cannot succeed, with one structured line.
func (f *Function) Must(err error) {
	if err == nil {
		return
	}
	log := f.Log
	if log == nil {
		log = slog.Default()
	}
	log.Error("cold start failed", "function", f.Name, "err", err)
	os.Exit(1)
}

// DynamoDB is a DynamoDB client for cfg.
func DynamoDB(cfg aws.Config) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		// DynamoDB Local's error responses lack the CRC32 header.
		o.DisableValidateResponseChecksum = Local()
	})
}
