package lambdarie

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/mayday/mayday/shared/dynamostore"
	"github.com/mayday/mayday/shared/testkit/awsfake"
)

// Options say what to deploy and on what.
type Options struct {
	Template []byte
	// Bootstraps maps a function's logical id to its bootstrap built for
	// this machine; the template's other functions (the CDK's own custom
	// resource handlers) are not run.
	Bootstraps map[string]string
	// DynamoDB creates the template's table(s) on DynamoDB Local.
	DynamoDB *dynamodb.Client
	// AccessKeyID is the functions' access key: DynamoDB Local keeps one
	// database per access key and region, so it must be the one the table
	// was created with (default: the test's, "local").
	AccessKeyID string
	// Endpoints are the emulators' endpoint variables every function gets
	// (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SESV2); the fakes'
	// (EventBridge, Lambda, SQS, Secrets Manager, Amazon Location,
	// EventBridge Scheduler, End User Messaging SMS) are added.
	Endpoints map[string]string
	// SMSOriginations are the account's SMS origination identities (the
	// SMS fake refuses a text from any other).
	SMSOriginations []string
	// FallbackOnFailure, when a function has no EventInvokeConfig, gives it
	// Lambda's default of two retries and the queue of this name (created
	// here) as its on-failure destination, instead of discarding the event.
	FallbackOnFailure string
	// EnforceIAM puts each function's role between it and DynamoDB
	// (iam.go), EventBridge Scheduler and SMS (gate.go): a request its
	// policies do not allow is denied.
	EnforceIAM bool
}

// Deployment is the template running locally.
type Deployment struct {
	Template    *Template
	Lambda      *Lambda
	EventBridge *awsfake.EventBridge
	SQS         *awsfake.SQS
	Secrets     *awsfake.Secrets
	// Location holds the template's place indexes, empty: a test adds
	// the places that exist.
	Location *awsfake.Location
	// Scheduler holds the template's schedule groups; FireDueSchedules
	// runs what is due.
	Scheduler *awsfake.Scheduler
	// SMS sends from Options.SMSOriginations.
	SMS *awsfake.SMS
	// Physical is what each logical id is locally (table name, bus name,
	// secret ARN, queue URL, function name, …).
	Physical map[string]Physical
	// LogGroups receives what rules deliver to CloudWatch Logs targets, by
	// the group's ARN.
	LogGroups map[string][]json.RawMessage
	// Fallback lists the functions given FallbackOnFailure.
	Fallback []string

	functions map[string]*deployed
	// denied and dynamoActions: what EnforceIAM's authorisers saw.
	denied        []Denial
	dynamoActions map[string]map[string]int
	fired         int
	mu            sync.Mutex
	stops         []func()
	streams       []*streamMapping
}

type deployed struct {
	proc       *Process
	env        map[string]string
	url        string // the Function URL's AuthType, "" without one
	invokeMode string
	streaming  bool
	async      AsyncConfig
}

// sessionToken is the functions' (fake) session token.
const sessionToken = "IQoJb3JpZ2luX2VjEEXAMPLESESSIONTOKEN"

// Deploy starts the template's functions and their stand-ins for the test,
// and stops them when it ends.
func Deploy(t testing.TB, o Options) *Deployment {
	t.Helper()
	d, err := deploy(t, o)
	if d != nil {
		t.Cleanup(d.Close)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Close stops everything Deploy started.
func (d *Deployment) Close() {
	for i := len(d.stops) - 1; i >= 0; i-- {
		d.stops[i]()
	}
	d.stops = nil
}

// Function is a running function by logical id.
func (d *Deployment) Function(id string) *Process {
	if f := d.functions[id]; f != nil {
		return f.proc
	}
	return nil
}

// Env is the environment a function was started with.
func (d *Deployment) Env(id string) map[string]string { return d.functions[id].env }

// Async is a function's asynchronous-invocation config as deployed.
func (d *Deployment) Async(id string) AsyncConfig { return d.functions[id].async }

// Output resolves one of the template's outputs.
func (d *Deployment) Output(name string) (string, error) {
	o, ok := d.Template.Outputs[name]
	if !ok {
		return "", fmt.Errorf("no output %s", name)
	}
	return Resolve(o.Value, d.Physical)
}

// Logs is every function's output, for a failed test.
func (d *Deployment) Logs() string {
	var b strings.Builder
	ids := make([]string, 0, len(d.functions))
	for id := range d.functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(&b, "==== %s\n%s\n", id, d.functions[id].proc.Output())
	}
	return b.String()
}

// pseudoOnly resolves what refers to no resource (a name built from the
// stack's name, say).
var pseudoOnly = map[string]Physical{}

func unique() string { return strconv.FormatInt(time.Now().UnixNano()%1e10, 36) }

func deploy(t testing.TB, o Options) (*Deployment, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tpl, err := ParseTemplate(o.Template)
	if err != nil {
		return nil, err
	}
	binary, err := Binary()
	if err != nil {
		return nil, err
	}
	d := &Deployment{Template: tpl, Physical: map[string]Physical{}, LogGroups: map[string][]json.RawMessage{},
		functions: map[string]*deployed{}, dynamoActions: map[string]map[string]int{}}
	d.SQS = awsfake.NewSQS()
	d.stops = append(d.stops, d.SQS.Close)
	d.Secrets = awsfake.NewSecrets()
	d.stops = append(d.stops, d.Secrets.Close)
	d.Location = awsfake.NewLocation()
	d.stops = append(d.stops, d.Location.Close)
	d.Scheduler = awsfake.NewScheduler("us-east-1")
	d.stops = append(d.stops, d.Scheduler.Close)
	d.SMS = awsfake.NewSMS(o.SMSOriginations...)
	d.stops = append(d.stops, d.SMS.Close)
	d.EventBridge = awsfake.NewEventBridge()
	d.EventBridge.SQS = d.SQS
	d.stops = append(d.stops, d.EventBridge.Close)
	d.Lambda = NewLambda(d.SQS)
	d.stops = append(d.stops, d.Lambda.Close)
	d.EventBridge.Deliver = d.deliver
	d.EventBridge.AddBus("default")

	suffix := unique()
	for id, r := range tpl.Resources {
		switch r.Type {
		case "AWS::DynamoDB::GlobalTable", "AWS::DynamoDB::Table":
			name := "rie-" + suffix + "-" + id
			if o.DynamoDB == nil {
				return d, fmt.Errorf("table %s: no DynamoDB client", id)
			}
			schema, err := tableSchema(r.Properties)
			if err != nil {
				return d, fmt.Errorf("table %s: %w", id, err)
			}
			if err := dynamostore.CreateTableOf(ctx, o.DynamoDB, name, schema); err != nil {
				return d, err
			}
			d.stops = append(d.stops, func() {
				_, _ = o.DynamoDB.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &name})
			})
			desc, err := o.DynamoDB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
			if err != nil {
				return d, err
			}
			d.Physical[id] = Physical{Ref: name, Attrs: map[string]string{"Arn": "arn:aws:dynamodb:us-east-1:123456789012:table/" + name,
				"StreamArn": aws.ToString(desc.Table.LatestStreamArn)}}
		case "AWS::Events::EventBus":
			name := id + "-" + suffix
			d.EventBridge.AddBus(name)
			d.Physical[id] = Physical{Ref: name, Attrs: map[string]string{"Arn": "arn:aws:events:us-east-1:123456789012:event-bus/" + name, "Name": name}}
		case "AWS::SecretsManager::Secret":
			arn := "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + id + "-" + suffix
			d.Secrets.Put(arn, id, generatedSecret(r.Properties))
			d.Physical[id] = Physical{Ref: arn, Attrs: map[string]string{"Id": arn}}
		case "AWS::SQS::Queue":
			url, arn := d.SQS.CreateQueue(id + "-" + suffix)
			d.Physical[id] = Physical{Ref: url, Attrs: map[string]string{"Arn": arn, "QueueUrl": url, "QueueName": id + "-" + suffix}}
		case "AWS::Lambda::Function":
			d.Physical[id] = Physical{Ref: id, Attrs: map[string]string{"Arn": ARN(id)}}
		case "AWS::Logs::LogGroup":
			name := "/aws/lambda-local/" + id
			if n, err := Resolve(r.Properties["LogGroupName"], pseudoOnly); err == nil && n != "" {
				name = n
			}
			d.Physical[id] = Physical{Ref: name, Attrs: map[string]string{"Arn": "arn:aws:logs:us-east-1:123456789012:log-group:" + name + ":*"}}
		case "AWS::Location::PlaceIndex":
			name, err := Resolve(r.Properties["IndexName"], pseudoOnly)
			if err != nil {
				return d, fmt.Errorf("place index %s: %w", id, err)
			}
			source, _ := r.Properties["DataSource"].(string)
			d.Location.AddIndex(name, source)
			arn := "arn:aws:geo:us-east-1:123456789012:place-index/" + name
			d.Physical[id] = Physical{Ref: name, Attrs: map[string]string{"Arn": arn, "IndexArn": arn}}
		case "AWS::SNS::Topic":
			d.Physical[id] = Physical{Ref: "arn:aws:sns:us-east-1:123456789012:" + id, Attrs: map[string]string{"TopicArn": "arn:aws:sns:us-east-1:123456789012:" + id}}
		case "AWS::Scheduler::ScheduleGroup":
			name := id + "-" + suffix
			d.Scheduler.AddGroup(name)
			d.Physical[id] = Physical{Ref: name, Attrs: map[string]string{"Arn": "arn:aws:scheduler:us-east-1:123456789012:schedule-group/" + name}}
		case "AWS::IAM::Role":
			d.Physical[id] = Physical{Ref: id, Attrs: map[string]string{"Arn": "arn:aws:iam::123456789012:role/" + id}}
		case "AWS::Lambda::Url":
			d.Physical[id] = Physical{Ref: id, Attrs: map[string]string{"FunctionUrl": "https://" + strings.ToLower(id) + ".lambda-url.us-east-1.on.aws/"}}
		}
	}
	if err := d.routeRules(); err != nil {
		return d, err
	}
	fallback := ""
	if o.FallbackOnFailure != "" {
		fallback, _ = d.SQS.CreateQueue(o.FallbackOnFailure)
	}

	// Each function: its environment from the template, resolved; its
	// URL and asynchronous config; then every emulator at once.
	endpoints := map[string]string{"AWS_ENDPOINT_URL_EVENTBRIDGE": d.EventBridge.URL, "AWS_ENDPOINT_URL_LAMBDA": d.Lambda.URL,
		"AWS_ENDPOINT_URL_SQS": d.SQS.URL, "AWS_ENDPOINT_URL_SECRETS_MANAGER": d.Secrets.URL, "AWS_ENDPOINT_URL_LOCATION": d.Location.URL,
		"AWS_ENDPOINT_URL_SCHEDULER": d.Scheduler.URL, "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": d.SMS.URL}
	for k, v := range o.Endpoints {
		endpoints[k] = v
	}
	ids := make([]string, 0, len(o.Bootstraps))
	for id := range o.Bootstraps {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r, ok := tpl.Resources[id]
		if !ok || r.Type != "AWS::Lambda::Function" {
			return d, fmt.Errorf("%s: not a function of the template", id)
		}
		f := &deployed{env: map[string]string{}}
		vars, _ := path(r.Properties, "Environment", "Variables").(map[string]any)
		for k, v := range vars {
			s, err := Resolve(v, d.Physical)
			if err != nil {
				return d, fmt.Errorf("function %s: environment %s: %w", id, k, err)
			}
			f.env[k] = s
		}
		runtimeEnv(id, r.Properties, f.env)
		if o.AccessKeyID != "" {
			f.env["AWS_ACCESS_KEY_ID"] = o.AccessKeyID
		}
		for k, v := range endpoints {
			f.env[k] = v
		}
		for _, uid := range tpl.OfType("AWS::Lambda::Url") {
			u := tpl.Resources[uid].Properties
			if refersTo(u["TargetFunctionArn"]) == id {
				f.url, _ = u["AuthType"].(string)
				f.invokeMode, _ = u["InvokeMode"].(string)
				f.streaming = f.invokeMode == "RESPONSE_STREAM"
			}
		}
		f.async, err = d.asyncConfig(id, fallback)
		if err != nil {
			return d, err
		}
		d.functions[id] = f
	}
	if o.EnforceIAM {
		if err := d.authorize(o.Endpoints["AWS_ENDPOINT_URL_DYNAMODB"], ids); err != nil {
			return d, err
		}
		if err := d.gates(ids); err != nil {
			return d, err
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := Start(ctx, binary, id, o.Bootstraps[id], d.functions[id].env)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			d.functions[id].proc = p
			d.stops = append(d.stops, p.Stop)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return d, err
	}
	for _, id := range ids {
		f := d.functions[id]
		d.Lambda.Add(id, f.proc.Invoke, f.async)
	}
	if err := d.startStreams(o.DynamoDB); err != nil {
		return d, err
	}
	return d, nil
}

// runtimeEnv adds what Lambda itself sets in a function's environment,
// from the function's properties.
func runtimeEnv(id string, props map[string]any, env map[string]string) {
	set := func(k, v string) {
		if v != "" {
			env[k] = v
		}
	}
	set("AWS_REGION", "us-east-1")
	set("AWS_DEFAULT_REGION", "us-east-1")
	set("AWS_ACCESS_KEY_ID", "local")
	set("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMIEXAMPLEKEY")
	set("AWS_SESSION_TOKEN", sessionToken)
	set("AWS_LAMBDA_FUNCTION_NAME", id)
	set("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
	set("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/"+id)
	set("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]local")
	set("TZ", ":UTC")
	str := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", str(props["MemorySize"]))
	set("AWS_LAMBDA_FUNCTION_TIMEOUT", str(props["Timeout"])) // the emulator enforces it
	set("AWS_LAMBDA_LOG_FORMAT", str(path(props, "LoggingConfig", "LogFormat")))
	set("AWS_LAMBDA_LOG_LEVEL", str(path(props, "LoggingConfig", "ApplicationLogLevel")))
	set("_HANDLER", str(props["Handler"]))
}

// asyncConfig reads the function's AWS::Lambda::EventInvokeConfig: retries
// and the on-failure destination (a queue of the template).
func (d *Deployment) asyncConfig(id, fallback string) (AsyncConfig, error) {
	for _, cid := range d.Template.OfType("AWS::Lambda::EventInvokeConfig") {
		p := d.Template.Resources[cid].Properties
		if refersTo(p["FunctionName"]) != id {
			continue
		}
		c := AsyncConfig{Retries: DefaultRetries}
		if n, ok := p["MaximumRetryAttempts"].(float64); ok {
			c.Retries = int(n)
		}
		if dest := path(p, "DestinationConfig", "OnFailure", "Destination"); dest != nil {
			arn, err := Resolve(dest, d.Physical)
			if err != nil {
				return c, fmt.Errorf("%s: on-failure destination: %w", cid, err)
			}
			url, ok := d.SQS.QueueByARN(arn)
			if !ok {
				return c, fmt.Errorf("%s: on-failure destination %s is not a queue of the template", cid, arn)
			}
			c.OnFailure = url
		}
		return c, nil
	}
	if fallback == "" {
		return AsyncConfig{Retries: DefaultRetries}, nil
	}
	d.Fallback = append(d.Fallback, id)
	return AsyncConfig{Retries: DefaultRetries, OnFailure: fallback}, nil
}

// routeRules adds the template's pattern rules to the fake EventBridge.
// Schedule rules are not run: a test invokes their targets itself.
func (d *Deployment) routeRules() error {
	for _, id := range d.Template.OfType("AWS::Events::Rule") {
		p := d.Template.Resources[id].Properties
		if p["EventPattern"] == nil {
			continue
		}
		pattern, err := json.Marshal(p["EventPattern"])
		if err != nil {
			return err
		}
		busName := "default"
		if b := p["EventBusName"]; b != nil {
			if busName, err = Resolve(b, d.Physical); err != nil {
				return fmt.Errorf("rule %s: %w", id, err)
			}
		}
		var targets []awsfake.Target
		list, _ := p["Targets"].([]any)
		for _, raw := range list {
			arn, err := Resolve(path(raw, "Arn"), d.Physical)
			if err != nil {
				return fmt.Errorf("rule %s: target: %w", id, err)
			}
			t := awsfake.Target{ARN: arn}
			if dlq := path(raw, "DeadLetterConfig", "Arn"); dlq != nil {
				if t.DLQ, err = Resolve(dlq, d.Physical); err != nil {
					return fmt.Errorf("rule %s: dead-letter queue: %w", id, err)
				}
			}
			targets = append(targets, t)
		}
		if err := d.EventBridge.AddRule(busName, "arn:aws:events:us-east-1:123456789012:rule/"+id, string(pattern), targets); err != nil {
			return err
		}
	}
	return nil
}

// deliver is EventBridge's hand-off to a target: a Lambda function is
// invoked asynchronously; a log group keeps the event.
func (d *Deployment) deliver(target string, event []byte) error {
	switch {
	case strings.Contains(target, ":lambda:"):
		return d.Lambda.InvokeAsync(target, event)
	case strings.Contains(target, ":logs:"):
		d.mu.Lock()
		defer d.mu.Unlock()
		d.LogGroups[target] = append(d.LogGroups[target], append(json.RawMessage(nil), event...))
		return nil
	}
	return fmt.Errorf("target %s: not a target this deployment runs", target)
}

// LogGroupEvents returns what rules delivered to a log group, by its
// logical id.
func (d *Deployment) LogGroupEvents(id string) []json.RawMessage {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []json.RawMessage
	name := d.Physical[id].Ref
	for arn, evs := range d.LogGroups {
		if strings.HasSuffix(arn, ":log-group:"+name) || strings.Contains(arn, ":log-group:"+name+":") {
			out = append(out, evs...)
		}
	}
	return out
}

// generatedSecret is a value as GenerateSecretString would make it
// (letters and digits, PasswordLength long).
func generatedSecret(props map[string]any) string {
	n := 32
	if l, ok := path(props, "GenerateSecretString", "PasswordLength").(float64); ok {
		n = int(l)
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Secret is the current value of the template's secret with logical id id.
func (d *Deployment) Secret(id string) (string, error) {
	return d.Secrets.Current(d.Physical[id].Ref)
}

// FireSchedules delivers one event of every schedule rule of the template to
// its targets, as EventBridge's scheduler does (source aws.events,
// detail-type "Scheduled Event", the rule's ARN in resources).
func (d *Deployment) FireSchedules() error {
	for _, id := range d.Template.OfType("AWS::Events::Rule") {
		p := d.Template.Resources[id].Properties
		if p["ScheduleExpression"] == nil {
			continue
		}
		d.mu.Lock()
		d.fired++
		n := d.fired
		d.mu.Unlock()
		rule := "arn:aws:events:us-east-1:123456789012:rule/" + id
		ev, _ := json.Marshal(map[string]any{"version": "0", "id": fmt.Sprintf("53dc4d37-cffa-4f76-80c9-%012d", n),
			"detail-type": "Scheduled Event", "source": "aws.events", "account": "123456789012",
			"time": time.Now().UTC().Format(time.RFC3339), "region": "us-east-1", "resources": []string{rule}, "detail": map[string]any{}})
		list, _ := p["Targets"].([]any)
		for _, raw := range list {
			arn, err := Resolve(path(raw, "Arn"), d.Physical)
			if err != nil {
				return fmt.Errorf("rule %s: target: %w", id, err)
			}
			if err := d.deliver(arn, ev); err != nil {
				return fmt.Errorf("rule %s: %w", id, err)
			}
		}
	}
	return nil
}
