package endusersms_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"

	"github.com/mayday/mayday/shared/endusersms"
	"github.com/mayday/mayday/shared/mayday"
	"github.com/mayday/mayday/shared/testkit/awsfake"
)

const origination = "+12065550199"

// client is the SDK's client for the fake: static credentials, one
// attempt, so an injected error is the answer.
func client(f *awsfake.SMS) *pinpointsmsvoicev2.Client {
	return pinpointsmsvoicev2.NewFromConfig(aws.Config{Region: "us-west-2",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(f.URL), Retryer: func() aws.Retryer { return aws.NopRetryer{} }})
}

// TestSendSMS: what the SDK sends for an alert text — signed for
// sms-voice, JSON 1.0 SendTextMessage, a transactional message from the
// configured identity with a bounded time to live and the alert id as
// context — and what a refusal becomes.
func TestSendSMS(t *testing.T) {
	text := "EMERGENCY: Ada dialled 911 21:00Z. Callback: +14255550001 (callback lease). At: Seattle HQ, 1 Main St."
	for _, tc := range []struct {
		name        string
		origination string
		fail        []awsfake.LocationError
		sms         mayday.SMS
		wantErr     string
	}{
		{name: "sent", origination: origination, sms: mayday.SMS{To: "+14255550123", Text: text, AlertID: "al-1"}},
		{name: "noAlertID", origination: origination, sms: mayday.SMS{To: "+14255550123", Text: text}},
		{name: "throttled", origination: origination, fail: []awsfake.LocationError{{Status: 400, Type: "ThrottlingException"}},
			sms: mayday.SMS{To: "+14255550123", Text: text, AlertID: "al-1"}, wantErr: "ThrottlingException"},
		{name: "unknownIdentity", origination: "+12065550000", sms: mayday.SMS{To: "+14255550123", Text: text}, wantErr: "ResourceNotFoundException"},
		{name: "notE164", origination: origination, sms: mayday.SMS{To: "425-555-0123", Text: text}, wantErr: "ValidationException"},
		{name: "empty", origination: origination, sms: mayday.SMS{To: "+14255550123"}, wantErr: "needs a number and a body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := awsfake.NewSMS(origination)
			defer f.Close()
			f.FailNext(tc.fail...)
			s, err := endusersms.New(client(f), tc.origination)
			if err != nil {
				t.Fatal(err)
			}
			id, err := s.SendSMS(context.Background(), tc.sms)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %s", err, tc.wantErr)
				}
				if n := len(f.Sent()); n != 0 {
					t.Fatalf("%d sent, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sent := f.Sent()
			if len(sent) != 1 {
				t.Fatalf("%d sent, want 1", len(sent))
			}
			got := sent[0]
			if got.Service != "sms-voice" || got.Region != "us-west-2" || got.DestinationPhoneNumber != tc.sms.To ||
				got.OriginationIdentity != origination || got.MessageBody != text || got.MessageType != "TRANSACTIONAL" ||
				got.TimeToLive != 300 || id != got.MessageID {
				t.Fatalf("sent %+v (id %q)", got, id)
			}
			if want := tc.sms.AlertID; got.Context["alertId"] != want || (want == "" && got.Context != nil) {
				t.Fatalf("context %v, want alertId %q", got.Context, want)
			}
		})
	}
}

func TestNewRefusesMissingParts(t *testing.T) {
	f := awsfake.NewSMS()
	defer f.Close()
	for _, tc := range []struct {
		name   string
		client endusersms.API
		orig   string
	}{{"noClient", nil, origination}, {"noOrigination", client(f), ""}} {
		if _, err := endusersms.New(tc.client, tc.orig); !errors.Is(err, mayday.ErrMissingDependency) {
			t.Errorf("%s: %v, want ErrMissingDependency", tc.name, err)
		}
	}
}
