package amazonconnect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/connect"
	"github.com/aws/aws-sdk-go-v2/service/connect/types"

	"github.com/mayday/mayday/shared/amazonconnect/agentstatus"
	"github.com/mayday/mayday/shared/mayday"
)

// DescribeContactAPI is the part of the Connect client ContactStatus uses.
type DescribeContactAPI interface {
	DescribeContact(ctx context.Context, in *connect.DescribeContactInput, opts ...func(*connect.Options)) (*connect.DescribeContactOutput, error)
}

var _ DescribeContactAPI = (*connect.Client)(nil)

// ContactStatus is Connect's view of a call, the mayday.ContactStatus port:
// the flows use the contact id as the call id, so a call is a contact of
// the instance, ended once Connect has its disconnect timestamp.
type ContactStatus struct {
	api      DescribeContactAPI
	instance string
}

var _ mayday.ContactStatus = (*ContactStatus)(nil)

// NewContactStatus builds the port over a Connect client, for the instance.
func NewContactStatus(api DescribeContactAPI, instanceARN string) (*ContactStatus, error) {
	if api == nil {
		return nil, errors.New("amazonconnect: contact status: no Connect client")
	}
	id, err := agentstatus.InstanceID(instanceARN)
	if err != nil {
		return nil, fmt.Errorf("amazonconnect: contact status: %w", err)
	}
	return &ContactStatus{api: api, instance: id}, nil
}

// ContactEnded reports whether the contact has disconnected, and when. A
// contact the instance does not know (a call that came from elsewhere) is
// not ended.
func (s *ContactStatus) ContactEnded(ctx context.Context, callID string) (bool, time.Time, error) {
	out, err := s.api.DescribeContact(ctx, &connect.DescribeContactInput{InstanceId: &s.instance, ContactId: &callID})
	if _, unknown := errors.AsType[*types.ResourceNotFoundException](err); unknown {
		return false, time.Time{}, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("connect: describe contact %s: %w", callID, err)
	}
	if out.Contact == nil || out.Contact.DisconnectTimestamp == nil {
		return false, time.Time{}, nil
	}
	return true, out.Contact.DisconnectTimestamp.UTC(), nil
}
