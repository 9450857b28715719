package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBootstrapsWithinGoal builds every function for Lambda as `make build`
// does and fails when one exceeds BinaryBytesGoal; it logs each one's cold
// start on this machine beside InitMsGoal.
func TestBootstrapsWithinGoal(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Skip(err)
	}
	bins, err := binaries(context.Background(), root, 3, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	fns := 0
	for _, e := range entries {
		if e.IsDir() {
			fns++
		}
	}
	if len(bins) != fns {
		t.Fatalf("%d bootstraps built for %d functions", len(bins), fns)
	}
	for _, b := range bins {
		t.Logf("%10d bytes (goal %d)  init %7.3f ms (goal %g)  %s", b.Bytes, BinaryBytesGoal, b.InitMs, InitMsGoal, b.Function)
		if b.Bytes > BinaryBytesGoal {
			t.Errorf("%s: bootstrap is %d bytes, over the %d goal by %d", b.Function, b.Bytes, BinaryBytesGoal, b.Bytes-BinaryBytesGoal)
		}
	}
}

// credentialChain is what the SDK's default credential chain links beyond
// the environment's credentials: a Lambda function never uses it (its
// runtime sets the role's credentials in the environment) and it made up
// about 1.7 MB of each bootstrap.
var credentialChain = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds",
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds",
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds",
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/sts",
}

// TestFunctionsLinkNoCredentialChain: each function reads its AWS
// configuration with coldstart.AWS, not the default chain.
func TestFunctionsLinkNoCredentialChain(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./functions/...")
	cmd.Dir, cmd.Env = root, append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	mains := 0
	for line := range strings.Lines(string(out)) {
		pkg, deps, _ := strings.Cut(strings.TrimSpace(line), " ")
		if strings.HasSuffix(pkg, "/functions") {
			continue // the list of functions, not one
		}
		mains++
		linked := map[string]bool{}
		for d := range strings.FieldsSeq(deps) {
			linked[d] = true
		}
		for _, p := range credentialChain {
			if linked[p] {
				t.Errorf("%s links %s: build its AWS configuration with coldstart.AWS", pkg, p)
			}
		}
	}
	if mains == 0 {
		t.Fatalf("go list found no functions: %s", out)
	}
}
