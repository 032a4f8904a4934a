package testutil

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/internal/offline"
)

// RunTaskRequest is the RunTask request of a schedule's universal target,
// with the AWS SDK's PascalCase names. The Scheduler user guide says a
// universal target's Input is the target API's request parameters
// (https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html);
// RunTask's are in
// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html.
// No AWS page says the templated ECS target applies an Input container
// override (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_Target.html
// speaks of Input for templated Lambda, Step Functions and EventBridge
// targets only), hence the universal target. Decoding refuses unknown fields, so
// a camelCase name fails.
type RunTaskRequest struct {
	Cluster                  string
	TaskDefinition           string
	Count                    int
	LaunchType               string
	CapacityProviderStrategy []struct {
		CapacityProvider string
		Weight           int
	}
	PlatformVersion      string
	NetworkConfiguration struct {
		AwsvpcConfiguration struct {
			Subnets        []string
			SecurityGroups []string
			AssignPublicIp string
		}
	}
	Group, StartedBy string
	Overrides        struct {
		ContainerOverrides []struct {
			Name    string
			Command []string
		}
	}
}

// DecodeRunTask decodes the RunTask request of schedule s's universal
// target, failing t on a field RunTaskRequest does not name.
func DecodeRunTask(t testing.TB, s *offline.Resource) RunTaskRequest {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s.InputString("target.input")))
	dec.DisallowUnknownFields()
	var rt RunTaskRequest
	if err := dec.Decode(&rt); err != nil {
		t.Fatalf("%s: target.input %q: %v", s.Name, s.InputString("target.input"), err)
	}
	return rt
}
