package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The goals of every bootstrap: Lambda's cold start downloads and maps the
// binary, then runs its init.
const (
	BinaryBytesGoal = 10 << 20 // linux/arm64, as built for Lambda
	InitMsGoal      = 25.0     // process start → first Runtime API poll
)

// Binary is one function's bootstrap.
type Binary struct {
	Function string
	Bytes    int64   // linux/arm64, built by scripts/build-functions.sh as `make build` does
	InitMs   float64 // median, process start → first Runtime API poll (host arch)
}

// ModuleRoot finds the directory of the main module (go.mod).
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the mayday module")
	}
	return filepath.Dir(mod), nil
}

// buildFunctions builds the functions (default: every functions/<name>)
// with scripts/build-functions.sh, the Makefile's build, for Lambda
// (linux/arm64) or for the host (to run them), and leaves each bootstrap
// in dir/<name>.
func buildFunctions(ctx context.Context, root, dir, goos, goarch string, pkgs ...string) error {
	var args []string
	switch {
	case goos == "linux" && goarch == "arm64": // Lambda's: the script's default
	case goos == runtime.GOOS && goarch == runtime.GOARCH:
		args = append(args, "-host")
	default:
		return fmt.Errorf("build %s/%s: the build script targets Lambda (linux/arm64) or the host", goos, goarch)
	}
	var names []string
	for _, p := range pkgs {
		if p == "./functions/..." {
			names = nil // the script's default: every function
			break
		}
		names = append(names, strings.TrimPrefix(p, "./functions/"))
	}
	// The script writes <out>/<name>/bootstrap, as under build/.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	cmd := exec.CommandContext(ctx, filepath.Join(root, "scripts", "build-functions.sh"), append(append(args, out), names...)...)
	cmd.Dir = root
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("scripts/build-functions.sh %s: %w: %s", strings.Join(cmd.Args[1:], " "), err, output.String())
	}
	built, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	for _, e := range built {
		if err := os.Rename(filepath.Join(out, e.Name(), "bootstrap"), filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// binaries builds the bootstraps for linux/arm64 (their sizes) and for the
// host (to run them), then times each one's cold start.
func binaries(ctx context.Context, root string, runs int, progress func(string, ...any)) ([]Binary, error) {
	tmp, err := os.MkdirTemp("", "mayday-bench-bin-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	arm := filepath.Join(tmp, "linux-arm64")
	start := time.Now()
	if err := buildFunctions(ctx, root, arm, "linux", "arm64"); err != nil {
		return nil, err
	}
	host := arm
	if runtime.GOOS != "linux" || runtime.GOARCH != "arm64" {
		host = filepath.Join(tmp, "host")
		if err := buildFunctions(ctx, root, host, runtime.GOOS, runtime.GOARCH); err != nil {
			return nil, err
		}
	}
	progress("built the bootstraps in %s", time.Since(start).Round(time.Millisecond))
	entries, err := os.ReadDir(arm)
	if err != nil {
		return nil, err
	}
	home := filepath.Join(tmp, "home") // no ~/.aws, as in Lambda
	if err := os.Mkdir(home, 0o700); err != nil {
		return nil, err
	}
	var out []Binary
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		b := Binary{Function: e.Name(), Bytes: info.Size()}
		samples := make(Samples, 0, runs)
		for range runs {
			d, err := coldStart(ctx, filepath.Join(host, e.Name()), home)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", e.Name(), err)
			}
			samples = append(samples, d)
		}
		b.InitMs = Ms(Median(samples))
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b Binary) int { return strings.Compare(a.Function, b.Function) })
	return out, nil
}

// coldStart starts bin under a stub Lambda Runtime API on loopback and
// returns the time from exec to its first GET .../invocation/next, which
// the stub then holds open, as Lambda does while no event is waiting.
func coldStart(ctx context.Context, bin, home string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	polled := make(chan time.Time, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && r.URL.Path == "/2018-06-01/runtime/invocation/next" {
			select {
			case polled <- time.Now():
			default:
			}
			<-r.Context().Done()
			return
		}
		w.WriteHeader(http.StatusAccepted) // e.g. /runtime/init/error
	})}
	go srv.Serve(ln)
	defer srv.Close()

	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(coldStartEnv(), "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME="+filepath.Base(bin), "HOME="+home)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	select {
	case at := <-polled:
		return at.Sub(start), nil
	case err := <-exited:
		exited <- err
		return 0, fmt.Errorf("exited before polling the Runtime API (%v): %s", err, tail(stderr.String()))
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		exited <- <-exited
		return 0, fmt.Errorf("no Runtime API poll within 10s: %s", tail(stderr.String()))
	}
}

func tail(s string) string {
	if len(s) > 500 {
		return "…" + s[len(s)-500:]
	}
	return s
}

// coldStartEnv is a function's environment as the stack sets it, with the
// AWS endpoints unreachable: a cold start builds its clients and connects
// nowhere.
func coldStartEnv() []string {
	return []string{
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9", "AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:9",
		"AWS_ENDPOINT_URL_EVENTBRIDGE=http://127.0.0.1:9", "AWS_ENDPOINT_URL_LOCATION=http://127.0.0.1:9",
		"MAYDAY_TABLE=mayday", "MAYDAY_BUS=mayday", "MAYDAY_SENDER=mayday@example.com", "MAYDAY_PLACE_INDEX=mayday-places",
		"MAYDAY_RECORD_TABLE=mayday-record",
		"MAYDAY_WEBHOOK_SECRET=bench", "TZ=UTC",
		"MAYDAY_ALERT_SECRET=bench", "MAYDAY_ALERT_WEBHOOK_SECRET=bench",
		"MAYDAY_ESCALATION_GROUP=mayday-escalations", "MAYDAY_ESCALATION_FUNCTION_ARN=arn:aws:lambda:us-east-1:111122223333:function:alert-escalation",
		"MAYDAY_ESCALATION_ROLE_ARN=arn:aws:iam::111122223333:role/escalation",
		"MAYDAY_ESCALATION_DLQ_ARN=arn:aws:sqs:us-east-1:111122223333:escalation-dead-letters",
		// The platform functions as deployed with a platform.
		"MAYDAY_PRESENCE_PLATFORM=webhook", "MAYDAY_PRESENCE_WEBHOOK_URL=http://127.0.0.1:9/presence",
		"MAYDAY_PRESENCE_SECRET_ARN=arn:aws:secretsmanager:us-east-1:111122223333:secret:presence",
		"MAYDAY_CONNECT_INSTANCE_ARN=arn:aws:connect:us-east-1:111122223333:instance/aaaaaaaa-bbbb-cccc-dddd-111111111111",
	}
}
