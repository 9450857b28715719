package awsfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// Secrets holds secrets by ARN, each with a current and, after a rotation,
// a previous value; it serves them as Secrets Manager's GetSecretValue.
type Secrets struct {
	URL   string // Secrets Manager endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER)
	srv   *httptest.Server
	mu    sync.Mutex
	byARN map[string]*secret
	reads int
}

// Reads counts the GetSecretValue calls answered.
func (s *Secrets) Reads() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

type secret struct {
	name, current, previous string
	since, previousSince    time.Time // when each became current (CreatedDate)
}

// NewSecrets starts the Secrets Manager fake; Close stops it.
func NewSecrets() *Secrets {
	s := &Secrets{byARN: map[string]*secret{}}
	s.srv = httptest.NewServer(awsJSON{contentType: "application/x-amz-json-1.1", prefix: "secretsmanager",
		ops: map[string]func([]byte) (any, error){"GetSecretValue": s.getSecretValue}})
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Secrets) Close() { s.srv.Close() }

// Put creates or rotates a secret: the value it had becomes AWSPREVIOUS.
func (s *Secrets) Put(arn, name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now().UTC()
	if old := s.byARN[arn]; old != nil {
		old.previous, old.previousSince, old.current, old.since = old.current, old.since, value, now
		return
	}
	s.byARN[arn] = &secret{name: name, current: value, since: now}
}

// value resolves a SecretId (ARN or name) and a version stage.
func (s *Secrets) value(id, stage string) (string, *secret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for arn, sec := range s.byARN {
		if arn != id && sec.name != id {
			continue
		}
		s.reads++
		switch stage {
		case "", "AWSCURRENT":
			return arn, sec, nil
		case "AWSPREVIOUS":
			if sec.previous == "" {
				break
			}
			return arn, &secret{name: sec.name, current: sec.previous, since: sec.previousSince}, nil
		}
		return "", nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException",
			"Secrets Manager can't find the specified secret value for staging label: " + stage}
	}
	return "", nil, &apiError{http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."}
}

func (s *Secrets) getSecretValue(body []byte) (any, error) {
	var in struct{ SecretId, VersionId, VersionStage string }
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if in.SecretId == "" {
		return nil, &apiError{http.StatusBadRequest, "InvalidParameterException", "SecretId is required"}
	}
	arn, sec, err := s.value(in.SecretId, in.VersionStage)
	if err != nil {
		return nil, err
	}
	stage := in.VersionStage
	if stage == "" {
		stage = "AWSCURRENT"
	}
	return map[string]any{"ARN": arn, "Name": sec.name, "SecretString": sec.current, "VersionId": stage + "-version",
		"VersionStages": []string{stage}, "CreatedDate": float64(sec.since.UnixMilli()) / 1000}, nil
}

// Current is a secret's current value.
func (s *Secrets) Current(arn string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.byARN[arn]
	if sec == nil {
		return "", &apiError{http.StatusBadRequest, "ResourceNotFoundException", "no secret " + arn}
	}
	return sec.current, nil
}
