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

// Binary is one function's bootstrap.
type Binary struct {
	Function string
	Bytes    int64   // linux/arm64, built as the Makefile builds it
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
// into dir/<name> with the Makefile's flags, for goos/goarch.
func buildFunctions(ctx context.Context, root, dir, goos, goarch string, pkgs ...string) error {
	if len(pkgs) == 0 {
		pkgs = []string{"./functions/..."}
	}
	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w",
		"-o", dir + string(filepath.Separator)}, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s/%s %s: %w: %s", goos, goarch, strings.Join(pkgs, " "), err, stderr.String())
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
	cmd.Env = []string{
		"AWS_LAMBDA_RUNTIME_API=" + ln.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=" + filepath.Base(bin), "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_LAMBDA_LOG_FORMAT=JSON",
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench", "AWS_SESSION_TOKEN=bench",
		"AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9", "AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:9",
		"AWS_ENDPOINT_URL_EVENTBRIDGE=http://127.0.0.1:9",
		"MAYDAY_TABLE=mayday", "MAYDAY_BUS=mayday", "MAYDAY_SENDER=mayday@example.com",
		"MAYDAY_WEBHOOK_SECRET=bench", "HOME=" + home, "TZ=UTC",
	}
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
