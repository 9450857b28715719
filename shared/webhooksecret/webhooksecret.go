// Package webhooksecret reads the webhook HMAC secret at a cold start.
package webhooksecret

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/mayday/mayday/shared/awswire"
)

// Must reads the HMAC secret from Secrets Manager, or takes the
// plain value when no ARN is set (local stand-ins), or exits.
func Must(l awswire.Lambda) []byte {
	if l.Env.SecretARN == "" {
		return []byte(l.Env.Secret)
	}
	out, err := secretsmanager.NewFromConfig(l.Config).GetSecretValue(context.Background(),
		&secretsmanager.GetSecretValueInput{SecretId: aws.String(l.Env.SecretARN)})
	if err == nil && aws.ToString(out.SecretString) == "" {
		err = errors.New("empty")
	}
	if err != nil {
		awswire.Must(l.Log, fmt.Errorf("webhook secret: %w", err))
	}
	return []byte(*out.SecretString)
}
