// Package awssecret reads a secret from AWS Secrets Manager with the SDK's
// client: its current version and, for a rotation window, the version it
// replaced (the AWSPREVIOUS staging label Secrets Manager moves on every
// put-secret-value or rotation).
package awssecret

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/mayday/mayday/shared/webhooksecret"
)

// API is the part of the Secrets Manager client used here.
type API interface {
	GetSecretValue(context.Context, *secretsmanager.GetSecretValueInput, ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

var _ API = (*secretsmanager.Client)(nil)

// Fetch reads secretID's versions. The previous version is read only while
// it could still be accepted (the current one is younger than overlap): a
// secret that was never rotated, or rotated long ago, costs one read.
func Fetch(client API, secretID string, overlap time.Duration, now func() time.Time) webhooksecret.Fetch {
	return func(ctx context.Context) (webhooksecret.Versions, error) {
		cur, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID)})
		if err != nil {
			return webhooksecret.Versions{}, fmt.Errorf("secret %s: %w", secretID, err)
		}
		v := webhooksecret.Versions{Current: value(cur), Since: aws.ToTime(cur.CreatedDate)}
		if overlap <= 0 || !now().Before(v.Since.Add(overlap)) {
			return v, nil
		}
		prev, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
			SecretId: aws.String(secretID), VersionStage: aws.String("AWSPREVIOUS")})
		var missing *types.ResourceNotFoundException
		switch {
		case errors.As(err, &missing):
			// Never rotated, or the operator removed the label to end the
			// window at once.
		case err != nil:
			return webhooksecret.Versions{}, fmt.Errorf("secret %s: previous version: %w", secretID, err)
		default:
			v.Previous = value(prev)
		}
		return v, nil
	}
}

func value(o *secretsmanager.GetSecretValueOutput) []byte {
	if o.SecretString != nil {
		return []byte(*o.SecretString)
	}
	return o.SecretBinary
}

// Source is secretID as a webhook secret source: cached in-process for a
// minute, the previous version accepted for overlap after a rotation.
func Source(client API, secretID string, overlap time.Duration) webhooksecret.Source {
	return (&webhooksecret.Rotating{Fetch: Fetch(client, secretID, overlap, time.Now), Overlap: overlap}).Source()
}

// Or is the secret named by secretID when it is set, else the plain values
// (current first; the local runner and local stand-ins), else nil: nothing
// is configured.
func Or(client API, secretID string, overlap time.Duration, plain ...string) webhooksecret.Source {
	if secretID != "" {
		return Source(client, secretID, overlap)
	}
	if len(plain) == 0 || plain[0] == "" {
		return nil
	}
	return webhooksecret.Static(plain[0], plain[1:]...)
}
