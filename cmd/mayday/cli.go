package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mayday/mayday/shared/settings"
)

// command is one `mayday <name>`: what its usage says, and what it does.
// Its run registers its flags on the call's flag set, then parses.
type command struct {
	name     string
	args     string // the synopsis after the name, e.g. "[flags] demo|dial|end|inbound"
	summary  string // its line in `mayday -h`
	operator bool   // listed with the operator commands (AWS)
	about    string // more of its usage, before the flags
	env      []envVar
	otherEnv []otherVar // the rest of the environment it reads (AWS, …)
	run      func(ctx context.Context, c *call, args []string) error
}

// envVar is a setting a command reads, as settings declares it, with the
// command's own default where the declaration has none.
type envVar struct {
	settings.Setting
	required bool
}

func env(ss ...settings.Setting) []envVar {
	out := make([]envVar, len(ss))
	for i, s := range ss {
		out[i] = envVar{Setting: s}
	}
	return out
}

// withDefault is s with the default this command falls back to.
func withDefault(s settings.Setting, def string) envVar {
	s.Default = def
	return envVar{Setting: s}
}

func required(s settings.Setting) envVar { return envVar{Setting: s, required: true} }

// otherVar is an environment variable that is not Mayday's own setting.
type otherVar struct{ name, doc string }

var (
	awsCredentials = otherVar{"AWS_PROFILE, AWS_REGION, …",
		"AWS credentials and region, read as the AWS CLI reads them"}
	dynamoEndpoint = otherVar{"AWS_ENDPOINT_URL_DYNAMODB", "DynamoDB endpoint, e.g. DynamoDB Local"}
	sesEndpoint    = otherVar{"AWS_ENDPOINT_URL_SESV2", "SES v2 endpoint, e.g. aws-ses-v2-local"}
)

// commands is every command, in the order `mayday -h` lists them.
var commands = []*command{localCommand, simulateCommand, benchCommand,
	sitesCommand, numbersCommand, contactsCommand, readinessCommand, templateCommand, replayCommand, consoleCommand, twilioFallbackCommand,
	auditCommand}

func find(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: mayday <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		if !c.operator {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprintf(w, "\noperator commands (AWS; %s: the stack's table):\n", settings.Table.Env)
	for _, c := range commands {
		if c.operator {
			fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprint(w, "\n`mayday <command> -h` (or `mayday help <command>`) prints a command's flags and\nthe environment variables it reads.\n")
}

// run is main without the process: it dispatches args (without the program
// name) and returns the exit code: 0, 1 when the command failed, 2 for a
// usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help":
		if len(args) > 1 {
			return run(ctx, []string{args[1], "-h"}, stdout, stderr)
		}
		usage(stdout)
		return 0
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	}
	cmd := find(args[0])
	if cmd == nil {
		fmt.Fprintf(stderr, "mayday: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	c := newCall(cmd, stdout, stderr)
	err := cmd.run(ctx, c, args[1:])
	var uerr usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		c.usage(stdout)
		return 0
	case errors.As(err, &uerr):
		fmt.Fprintf(stderr, "mayday %s: %v\n\n", cmd.name, uerr.error)
		c.usage(stderr)
		return 2
	default:
		fmt.Fprintf(stderr, "mayday %s: %v\n", cmd.name, err)
		return 1
	}
}

// call is one run of a command.
type call struct {
	cmd            *command
	flags          *flag.FlagSet
	stdout, stderr io.Writer
}

func newCall(cmd *command, stdout, stderr io.Writer) *call {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run prints the usage, to stdout for -h
	fs.Usage = func() {}
	return &call{cmd: cmd, flags: fs, stdout: stdout, stderr: stderr}
}

// errHelp: the command was asked for its usage.
var errHelp = errors.New("help requested")

// usageError: the command was called wrongly; run prints why and the usage.
type usageError struct{ error }

func (c *call) usageErrorf(format string, a ...any) error {
	return usageError{fmt.Errorf(format, a...)}
}

// parse parses the flags wherever they are among args (`simulate dial
// -call c-9` and `simulate -call c-9 dial` alike) and returns the other
// arguments. -h, --help, or help as an argument asks for the usage; every
// argument after "--" is taken as it is.
func (c *call) parse(args []string) ([]string, error) {
	var rest []string
	for {
		if err := c.flags.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelp
			}
			return nil, usageError{err}
		}
		left := c.flags.Args()
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		if left[0] == "help" {
			return nil, errHelp
		}
		rest, args = append(rest, left[0]), left[1:]
	}
}

// usage prints the command's synopsis, flags and environment.
func (c *call) usage(w io.Writer) {
	fmt.Fprintf(w, "usage: mayday %s %s\n\n%s\n", c.cmd.name, c.cmd.args, c.cmd.summary)
	if c.cmd.about != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimRight(c.cmd.about, "\n"))
	}
	hasFlags := false
	c.flags.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprint(w, "\nflags:\n")
		c.flags.SetOutput(w)
		c.flags.PrintDefaults()
		c.flags.SetOutput(io.Discard)
	}
	if len(c.cmd.env) > 0 || len(c.cmd.otherEnv) > 0 {
		fmt.Fprint(w, "\nenvironment:\n")
	}
	for _, e := range c.cmd.env {
		def := fmt.Sprintf("(default %q)", e.Default)
		switch {
		case e.required:
			def = "(required)"
		case e.Default == "" && !e.KeepEmpty:
			def = "(no default)"
		}
		fmt.Fprintf(w, "  %s %s\n    \t%s\n", e.Env, def, e.Doc)
	}
	for _, e := range c.cmd.otherEnv {
		fmt.Fprintf(w, "  %s\n    \t%s\n", e.name, e.doc)
	}
}
