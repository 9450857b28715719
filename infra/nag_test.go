package main

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// applyNagPacks runs the AwsSolutions and Serverless packs on the stack
// when it is synthesized (TestMain, once for every test).
func applyNagPacks(stack awscdk.Stack) {
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	awscdk.Aspects_Of(stack).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

var nagFinding = regexp.MustCompile(`^(AwsSolutions|Serverless)-`)

// TestNagPacks: no unsuppressed AwsSolutions or Serverless finding, error
// or warning (suppressions, each with its reason, are in nag.go).
func TestNagPacks(t *testing.T) {
	var findings []string
	check(t, func() {
		anything := assertions.Match_AnyValue()
		for _, list := range []*[]*cxapi.SynthesisMessage{
			annotations.FindError(jsii.String("*"), anything),
			annotations.FindWarning(jsii.String("*"), anything),
		} {
			for _, m := range *list {
				text := fmt.Sprint(m.Entry.Data)
				if nagFinding.MatchString(text) {
					findings = append(findings, *m.Id+": "+firstLine(text))
				}
			}
		}
	})
	sort.Strings(findings)
	for _, f := range findings {
		t.Error(f)
	}
	if len(findings) > 0 {
		t.Logf("%d unsuppressed cdk-nag findings", len(findings))
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
