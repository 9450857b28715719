// Package endusersms texts security-desk alerts through AWS End User
// Messaging SMS (the pinpoint-sms-voice-v2 API, SendTextMessage). It is
// the mayday.SMSSender of the deployed email-notification function.
package endusersms

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2/types"

	"github.com/mayday/mayday/shared/mayday"
)

// API is the part of the SDK client the sender uses.
type API interface {
	SendTextMessage(ctx context.Context, in *pinpointsmsvoicev2.SendTextMessageInput, optFns ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.SendTextMessageOutput, error)
}

// Sender sends from one origination identity (a phone number, its id or
// ARN, a pool or a sender id).
type Sender struct {
	client      API
	origination string
}

var _ mayday.SMSSender = (*Sender)(nil)

// New sends through client from origination.
func New(client API, origination string) (*Sender, error) {
	if client == nil || origination == "" {
		return nil, fmt.Errorf("%w: end user messaging sms: client and origination identity", mayday.ErrMissingDependency)
	}
	return &Sender{client: client, origination: origination}, nil
}

// timeToLive is how long, in seconds, AWS may try to deliver a text: an
// alert older than the claim timeout is resent by the retry anyway.
const timeToLive = 300

// SendSMS sends m as a transactional message (an alert, not marketing:
// carriers deliver it at any hour, and opt-out keywords do not block it
// as they block promotional traffic). The context labels the message
// with its alert id in the delivery events.
func (s *Sender) SendSMS(ctx context.Context, m mayday.SMS) (string, error) {
	if m.To == "" || m.Text == "" {
		return "", errors.New("end user messaging sms: a text needs a number and a body")
	}
	in := &pinpointsmsvoicev2.SendTextMessageInput{
		DestinationPhoneNumber: aws.String(m.To),
		OriginationIdentity:    aws.String(s.origination),
		MessageBody:            aws.String(m.Text),
		MessageType:            types.MessageTypeTransactional,
		TimeToLive:             aws.Int32(timeToLive),
	}
	if m.AlertID != "" {
		in.Context = map[string]string{"alertId": m.AlertID}
	}
	out, err := s.client.SendTextMessage(ctx, in)
	if err != nil {
		return "", fmt.Errorf("end user messaging sms: send text message: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}
