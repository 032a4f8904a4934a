// Command fakesecrets serves an in-memory stand-in for the AWS Secrets Manager
// API on a loopback address, for the reference app's tests
// (scripts/test-app.sh). It speaks the service's JSON 1.1 protocol (POST /,
// X-Amz-Target: secretsmanager.<Operation>) and implements the operations a
// rotation needs, with the staging-label rules of the real service:
//
//   - CreateSecret: version 1 labelled AWSCURRENT.
//   - GetSecretValue: by VersionId or VersionStage (default AWSCURRENT);
//     ResourceNotFoundException when no version carries the label.
//   - PutSecretValue: a new version labelled VersionStages (default
//     AWSCURRENT); a label moves off the version that had it, and moving
//     AWSCURRENT labels the previous current version AWSPREVIOUS.
//   - UpdateSecretVersionStage: moves a label to MoveToVersionId (and off
//     RemoveFromVersionId), with the same AWSPREVIOUS rule.
//
// Those rules follow the Secrets Manager API reference (PutSecretValue,
// UpdateSecretVersionStage: "If this action moves the AWSCURRENT label, then
// Secrets Manager automatically moves AWSPREVIOUS to the version that
// AWSCURRENT was removed from").
//
// Requests are not authenticated (SigV4 headers are accepted as sent): it is a
// test tool on loopback, not part of the deployed stack. With -seed FILE, it
// creates one secret per entry of a JSON object {"name": "secret string"} at
// start. It prints the bound address (host:port) as the first line on stdout,
// then serves until SIGINT or SIGTERM. Every served call is counted per
// operation; GET /_calls returns the counts as JSON, so tests can see how
// often the app read a secret.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	region  = "eu-west-1"
	account = "000000000000"
	current = "AWSCURRENT"
	pending = "AWSPENDING"
	prev    = "AWSPREVIOUS"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address; port 0 picks a free port")
	seed := flag.String("seed", "", `optional JSON file {"name": "secret string"} of secrets to create at start`)
	flag.Parse()
	if err := run(*addr, *seed); err != nil {
		log.Fatalf("fakesecrets: %v", err)
	}
}

func run(addr, seedPath string) error {
	s := newStore()
	if seedPath != "" {
		raw, err := os.ReadFile(seedPath)
		if err != nil {
			return fmt.Errorf("read seed: %w", err)
		}
		var seeds map[string]string
		if err := json.Unmarshal(raw, &seeds); err != nil {
			return fmt.Errorf("seed %s: want a JSON object of strings: %w", seedPath, err)
		}
		names := make([]string, 0, len(seeds))
		for name := range seeds {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if _, err := s.create(name, seeds[name]); err != nil {
				return fmt.Errorf("seed %q: %w", name, err)
			}
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	fmt.Println(ln.Addr().String())

	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	}
}

type version struct {
	id      string
	value   string
	created time.Time
}

type secret struct {
	name     string
	arn      string
	versions map[string]*version
	labels   map[string]string // staging label -> version id
}

type store struct {
	mu      sync.Mutex
	secrets map[string]*secret // by name and by ARN
	calls   map[string]int
}

func newStore() *store {
	return &store{secrets: map[string]*secret{}, calls: map[string]int{}}
}

// apiError is a Secrets Manager error: its __type and HTTP status.
type apiError struct {
	kind    string
	status  int
	message string
}

func (e *apiError) Error() string { return e.kind + ": " + e.message }

func notFound(format string, args ...any) *apiError {
	return &apiError{"ResourceNotFoundException", http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func invalid(format string, args ...any) *apiError {
	return &apiError{"InvalidParameterException", http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *store) create(name, value string) (*secret, error) {
	if name == "" {
		return nil, invalid("Name is required")
	}
	if _, ok := s.secrets[name]; ok {
		return nil, &apiError{"ResourceExistsException", http.StatusBadRequest, "the secret " + name + " already exists"}
	}
	suffix := newID()[:6]
	sec := &secret{
		name:     name,
		arn:      fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-%s", region, account, name, suffix),
		versions: map[string]*version{},
		labels:   map[string]string{},
	}
	v := &version{id: newID(), value: value, created: time.Now()}
	sec.versions[v.id] = v
	sec.labels[current] = v.id
	s.secrets[name] = sec
	s.secrets[sec.arn] = sec
	return sec, nil
}

func (s *store) lookup(id string) (*secret, error) {
	if sec, ok := s.secrets[id]; ok {
		return sec, nil
	}
	return nil, notFound("Secrets Manager can't find the specified secret.")
}

// moveLabel puts label on version to; moving AWSCURRENT labels the version it
// left AWSPREVIOUS, as the real service does.
func (sec *secret) moveLabel(label, to string) {
	from, had := sec.labels[label]
	sec.labels[label] = to
	if label == current && had && from != to {
		sec.labels[prev] = from
	}
}

func (sec *secret) stages(id string) []string {
	var out []string
	for label, vid := range sec.labels {
		if vid == id {
			out = append(out, label)
		}
	}
	sort.Strings(out)
	return out
}

func (s *store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/_calls" {
		s.mu.Lock()
		body, _ := json.Marshal(s.calls)
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := strings.CutPrefix(target, "secretsmanager.")
	if r.Method != http.MethodPost || !ok {
		writeErr(w, &apiError{"UnknownOperationException", http.StatusBadRequest, "want POST with X-Amz-Target: secretsmanager.<Operation>, got " + r.Method + " " + target})
		return
	}
	var in map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&in); err != nil {
		writeErr(w, &apiError{"SerializationException", http.StatusBadRequest, err.Error()})
		return
	}
	s.mu.Lock()
	s.calls[op]++
	out, err := s.do(op, in)
	s.mu.Unlock()
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			ae = &apiError{"InternalServiceError", http.StatusInternalServerError, err.Error()}
		}
		writeErr(w, ae)
		return
	}
	body, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_, _ = w.Write(body)
}

func str(in map[string]any, key string) string {
	v, _ := in[key].(string)
	return v
}

func (s *store) do(op string, in map[string]any) (map[string]any, error) {
	switch op {
	case "CreateSecret":
		sec, err := s.create(str(in, "Name"), str(in, "SecretString"))
		if err != nil {
			return nil, err
		}
		return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": sec.labels[current]}, nil
	case "GetSecretValue":
		sec, err := s.lookup(str(in, "SecretId"))
		if err != nil {
			return nil, err
		}
		vid := str(in, "VersionId")
		stage := str(in, "VersionStage")
		if vid == "" {
			if stage == "" {
				stage = current
			}
			var ok bool
			if vid, ok = sec.labels[stage]; !ok {
				return nil, notFound("Secrets Manager can't find the specified secret value for staging label: %s", stage)
			}
		}
		v, ok := sec.versions[vid]
		if !ok {
			return nil, notFound("Secrets Manager can't find the specified secret value for VersionId: %s", vid)
		}
		if stage != "" && sec.labels[stage] != vid {
			return nil, notFound("version %s does not carry staging label %s", vid, stage)
		}
		return map[string]any{
			"ARN": sec.arn, "Name": sec.name, "VersionId": v.id, "SecretString": v.value,
			"VersionStages": sec.stages(v.id), "CreatedDate": float64(v.created.UnixNano()) / 1e9,
		}, nil
	case "PutSecretValue":
		sec, err := s.lookup(str(in, "SecretId"))
		if err != nil {
			return nil, err
		}
		id := str(in, "ClientRequestToken")
		if id == "" {
			id = newID()
		}
		if old, ok := sec.versions[id]; ok && old.value != str(in, "SecretString") {
			return nil, &apiError{"ResourceExistsException", http.StatusBadRequest, "version " + id + " exists with another value"}
		}
		labels := []string{current}
		if raw, ok := in["VersionStages"].([]any); ok {
			labels = labels[:0]
			for _, l := range raw {
				if ls, ok := l.(string); ok {
					labels = append(labels, ls)
				}
			}
		}
		sec.versions[id] = &version{id: id, value: str(in, "SecretString"), created: time.Now()}
		for _, label := range labels {
			sec.moveLabel(label, id)
		}
		return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionId": id, "VersionStages": sec.stages(id)}, nil
	case "UpdateSecretVersionStage":
		sec, err := s.lookup(str(in, "SecretId"))
		if err != nil {
			return nil, err
		}
		label := str(in, "VersionStage")
		if label == "" {
			return nil, invalid("VersionStage is required")
		}
		from, to := str(in, "RemoveFromVersionId"), str(in, "MoveToVersionId")
		if cur, ok := sec.labels[label]; ok && to != "" && cur != to && from != cur {
			return nil, invalid("the staging label %s is attached to version %s; name it in RemoveFromVersionId", label, cur)
		}
		switch {
		case to != "":
			if _, ok := sec.versions[to]; !ok {
				return nil, notFound("no version %s", to)
			}
			sec.moveLabel(label, to)
		case from != "" && sec.labels[label] == from:
			delete(sec.labels, label)
		}
		return map[string]any{"ARN": sec.arn, "Name": sec.name}, nil
	case "DescribeSecret":
		sec, err := s.lookup(str(in, "SecretId"))
		if err != nil {
			return nil, err
		}
		ids := map[string][]string{}
		for id := range sec.versions {
			if st := sec.stages(id); len(st) > 0 {
				ids[id] = st
			}
		}
		return map[string]any{"ARN": sec.arn, "Name": sec.name, "VersionIdsToStages": ids}, nil
	}
	return nil, &apiError{"UnknownOperationException", http.StatusBadRequest, "operation " + op + " is not implemented by this stand-in"}
}

func writeErr(w http.ResponseWriter, e *apiError) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(e.status)
	body, _ := json.Marshal(map[string]string{"__type": e.kind, "message": e.message})
	_, _ = w.Write(body)
}
