package awsclients

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/mayday/mayday/shared/coldstart"
)

// Load reads the SDK's default configuration chain (environment, shared
// config and credentials files, SSO, web identity, container and instance
// credentials), for the operator CLI, the local runner and tests; a Lambda
// function reads only what its runtime sets (coldstart.AWS). Against local
// stand-ins with no credentials configured it uses static dummy credentials
// and us-east-1, so tests and the local runner need no AWS account. Both
// retry as coldstart.Retryer does.
func Load(ctx context.Context) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(coldstart.Retryer),
	}
	creds, region := coldstart.LocalDefaults(os.LookupEnv)
	if creds != nil {
		opts = append(opts, config.WithCredentialsProvider(creds))
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws config: %w", err)
	}
	return cfg, nil
}
