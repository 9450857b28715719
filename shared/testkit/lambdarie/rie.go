// Package lambdarie runs the functions' real bootstraps under the AWS Lambda
// Runtime Interface Emulator, deployed as a synthesized CloudFormation
// template says: each function with the environment the template gives it,
// its events routed by the template's rules (patterns matched with quamina)
// to the template's targets, invoked asynchronously as Lambda does (retries,
// then the on-failure destination), its Function URL fed payload-2.0 events.
// The AWS services with a local emulator (DynamoDB Local, aws-ses-v2-local)
// are used as they are; EventBridge, Lambda's Invoke API, SQS and Secrets
// Manager are local fakes at their wire contracts (package awsfake).
package lambdarie

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"time"
)

// BinaryVar names the emulator binary when it is not in the repository's
// .tools/bin (where scripts/services.sh installs it).
const BinaryVar = "MAYDAY_RIE"

// Binary finds aws-lambda-rie: BinaryVar, the repository's .tools/bin, PATH.
func Binary() (string, error) {
	if b := os.Getenv(BinaryVar); b != "" {
		return b, nil
	}
	_, file, _, _ := runtime.Caller(0)
	tools := filepath.Join(filepath.Dir(file), "..", "..", "..", ".tools", "bin", "aws-lambda-rie")
	if _, err := os.Stat(tools); err == nil {
		return tools, nil
	}
	if b, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return b, nil
	}
	return "", errors.New("aws-lambda-rie not found: scripts/services.sh install puts it in .tools/bin (or set " + BinaryVar + ")")
}

// Process is one function's bootstrap running under the emulator. The
// emulator runs one invocation at a time, as one Lambda execution
// environment does; Invoke serialises.
type Process struct {
	Name string
	addr string
	cmd  *exec.Cmd
	// exited closes when the emulator has ended.
	exited <-chan struct{}
	mu     sync.Mutex
	out    *syncBuffer
}

// Start runs bootstrap under the emulator with exactly env (plus PATH) and
// waits until it accepts invocations. An emulator that could not bind the
// port it was given (taken meanwhile by another process) is started again
// on others.
func Start(ctx context.Context, binary, name, bootstrap string, env map[string]string) (*Process, error) {
	for attempt := 1; ; attempt++ {
		p, err := start(ctx, binary, name, bootstrap, env)
		if !errors.Is(err, errExited) || attempt == 3 {
			return p, err
		}
	}
}

// errExited: the emulator ended before it was ready.
var errExited = errors.New("the emulator exited")

func start(ctx context.Context, binary, name, bootstrap string, env map[string]string) (*Process, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	p := &Process{Name: name, addr: addr, out: &syncBuffer{}}
	p.cmd = exec.Command(binary, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap)
	p.cmd.Dir = filepath.Dir(bootstrap)
	p.cmd.Env = []string{"PATH=/usr/bin:/bin"}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.cmd.Env = append(p.cmd.Env, k+"="+env[k])
	}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start the emulator: %w", name, err)
	}
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	p.exited = exited
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			// Something listens there; the emulator may still have
			// failed to bind it (a port another process holds).
			select {
			case <-exited:
			case <-time.After(100 * time.Millisecond):
				return p, nil
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s: %w before listening on %s; its output:\n%s", name, errExited, addr, p.Output())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.Stop()
			return nil, fmt.Errorf("%s: the emulator did not listen on %s; its output:\n%s", name, addr, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Invoke posts one event and returns what the emulator answered: the
// handler's response, a function error's JSON, or (a response-stream
// function) the stream's raw bytes.
func (p *Process) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+p.addr+"/2015-03-31/functions/function/invocations", bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: invoke: %w", p.Name, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: invoke: %w", p.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: the emulator answered %s: %s", p.Name, resp.Status, b)
	}
	return b, nil
}

// Output is everything the emulator and the function printed.
func (p *Process) Output() string { return p.out.String() }

// Stop ends the emulator and the function.
func (p *Process) Stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// handedOut are the ports freeAddr has given: the emulators start at once,
// and a port closed by one call could otherwise be given to the next.
var handedOut = struct {
	sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

func freeAddr() (string, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		addr := ln.Addr().String()
		ln.Close()
		if !handedOut.ports[addr] {
			handedOut.ports[addr] = true
			return addr, nil
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
