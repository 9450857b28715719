// Command infra is Mayday's AWS CDK app: `npx cdk synth` / `npx cdk deploy`
// from the repository root (cdk.json runs `go run ./infra`). Settings come
// from the cdk.json context (see Config and docs/DEPLOY.md).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	app := awscdk.NewApp(nil)
	cfg, err := ConfigFromContext(app.Node())
	if err == nil {
		err = cfg.Guards()
	}
	if err != nil {
		jsii.Close()
		fmt.Fprintln(os.Stderr, "mayday infra:", err)
		os.Exit(1)
	}
	defer jsii.Close()
	props := awscdk.StackProps{
		Description: jsii.String("Mayday: emergency calls placed by contact-center agents"),
	}
	// The CDK CLI sets the region it deploys to: the stack knows it at
	// synth and refuses a region it cannot work in.
	if region := os.Getenv("CDK_DEFAULT_REGION"); region != "" {
		if p := regionProblem(region); p != "" {
			jsii.Close()
			fmt.Fprintln(os.Stderr, "mayday infra:", p)
			os.Exit(1)
		}
		props.Env = &awscdk.Environment{Region: jsii.String(region)}
	}
	NewMaydayStack(app, "Mayday", &MaydayStackProps{
		StackProps: props,
		Config:     cfg,
		AssetDir:   "build",
	})
	app.Synth(nil)
}
