package service_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/djangofargate/djangofargate/components"
	"github.com/djangofargate/djangofargate/internal/offline"
	"github.com/djangofargate/djangofargate/tests/testutil"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// runWorker runs a DjangoService "web", a TaskQueue "jobs" whose
// environment and policy reach the service as a stack wires them (unless
// noQueue), and a Worker "jobs" with args changed by edit.
func runWorker(t *testing.T, noQueue bool, editSvc func(*components.DjangoServiceArgs), edit func(*components.WorkerArgs)) *offline.Result {
	t.Helper()
	res, err := runWorkerErr(noQueue, editSvc, edit)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func runWorkerErr(noQueue bool, editSvc func(*components.DjangoServiceArgs), edit func(*components.WorkerArgs)) (*offline.Result, error) {
	return testutil.RunErr(func(ctx *pulumi.Context) error {
		svcArgs := baseArgs()
		if editSvc != nil {
			editSvc(&svcArgs)
		}
		var q *components.TaskQueue
		if !noQueue {
			var err error
			if q, err = components.NewTaskQueue(ctx, "jobs", nil); err != nil {
				return err
			}
			svcArgs.Environment = q.Environment()
			svcArgs.TaskPolicyJSON = components.MergePolicies(svcArgs.TaskPolicyJSON, q.PolicyJSON)
		}
		svc, err := components.NewDjangoService(ctx, "web", &svcArgs)
		if err != nil {
			return err
		}
		args := components.WorkerArgs{Service: svc, Queue: q}
		if edit != nil {
			edit(&args)
		}
		_, err = components.NewWorker(ctx, "jobs", &args)
		return err
	})
}

// containerOf parses the one container of the named task definition.
func containerOf(t *testing.T, res *offline.Result, taskDef string) map[string]any {
	t.Helper()
	td := res.Named(taskDef)
	if td == nil {
		t.Fatalf("got no resource %s", taskDef)
	}
	var defs []map[string]any
	if err := json.Unmarshal([]byte(td.InputString("containerDefinitions")), &defs); err != nil || len(defs) != 1 {
		t.Fatalf("%s containerDefinitions: got %d (%v), want one container", taskDef, len(defs), err)
	}
	return defs[0]
}

// TestWorkerRunsTheServiceContainerWithoutLoadBalancer protects issue 17
// item 3: the worker is the web container (image, user, environment,
// secrets, roles) with its command, no port, no health check and the
// longest stop timeout for Celery's warm shutdown, in an ECS service with no
// load balancer and no public IP in the web tasks' subnets and group.
func TestWorkerRunsTheServiceContainerWithoutLoadBalancer(t *testing.T) {
	cmd := []string{"celery", "-A", "config", "worker", "--concurrency=2"}
	res := runWorker(t, false, nil, func(a *components.WorkerArgs) { a.Command = cmd })
	webC, workerC := containerOf(t, res, "web-task"), containerOf(t, res, "jobs-task")

	for _, k := range []string{"image", "user", "readonlyRootFilesystem", "environment", "secrets", "mountPoints", "linuxParameters"} {
		got, _ := json.Marshal(workerC[k])
		want, _ := json.Marshal(webC[k])
		if string(got) != string(want) {
			t.Errorf("worker container %s: got %s, want the web container's %s", k, got, want)
		}
	}
	if got := workerC["command"]; !slices.Equal(anyStrings(got), cmd) {
		t.Errorf("worker command: got %v, want %v", got, cmd)
	}
	for _, k := range []string{"portMappings", "healthCheck"} {
		if v, ok := workerC[k]; ok {
			t.Errorf("worker container %s: got %v, want none", k, v)
		}
	}
	if got := workerC["stopTimeout"]; got != float64(components.WorkerStopTimeout) || components.WorkerStopTimeout != 120 {
		t.Errorf("worker stopTimeout: got %v, want 120 (the Fargate maximum)", got)
	}
	if got := workerC["name"]; got != "worker" {
		t.Errorf("worker container name: got %v, want worker", got)
	}
	env := envOf(workerC, "environment")
	url := res.Named("jobs-queue").Output("url")
	if env["CELERY_BROKER_URL"] != "sqs://" || env["CELERY_QUEUE_URL"] != url || env["CELERY_QUEUE_NAME"] != "test-jobs" {
		t.Errorf("worker environment: got broker %q queue %q %q, want sqs:// and the queue test-jobs at %v",
			env["CELERY_BROKER_URL"], env["CELERY_QUEUE_NAME"], env["CELERY_QUEUE_URL"], url)
	}

	webTD, workerTD := res.Named("web-task"), res.Named("jobs-task")
	for _, k := range []string{"taskRoleArn", "executionRoleArn"} {
		if webTD.Input(k) != workerTD.Input(k) {
			t.Errorf("worker task definition %s: got %v, want the web service's %v", k, workerTD.Input(k), webTD.Input(k))
		}
	}
	svc := res.Named("jobs-service")
	if lbs := svc.Input("loadBalancers"); lbs != nil && len(lbs.([]any)) > 0 {
		t.Errorf("worker service loadBalancers: got %v, want none", lbs)
	}
	if v := svc.Input("healthCheckGracePeriodSeconds"); v != nil {
		t.Errorf("worker service healthCheckGracePeriodSeconds: got %v, want unset (no load balancer)", v)
	}
	if got := svc.Input("networkConfiguration.assignPublicIp"); got != false {
		t.Errorf("worker assignPublicIp: got %v, want false", got)
	}
	web := res.Named("web-service")
	for _, k := range []string{"networkConfiguration.subnets", "networkConfiguration.securityGroups", "cluster"} {
		got, _ := json.Marshal(svc.Input(k))
		want, _ := json.Marshal(web.Input(k))
		if string(got) != string(want) {
			t.Errorf("worker service %s: got %s, want the web service's %s", k, got, want)
		}
	}
	if svc.Input("deploymentCircuitBreaker.enable") != true || svc.Input("deploymentCircuitBreaker.rollback") != true {
		t.Errorf("worker deploymentCircuitBreaker: got %v, want enable and rollback", svc.Input("deploymentCircuitBreaker"))
	}
	if !res.WaitsFor(svc.URN)[web.URN] {
		t.Errorf("worker service: does not wait for the web service; a new image must reach it after the migrations")
	}
}

func anyStrings(v any) []string {
	var out []string
	for _, s := range v.([]any) {
		out = append(out, s.(string))
	}
	return out
}

// TestWorkerQueueGrant protects least privilege on the queue: the shared
// task role gets exactly the actions kombu's SQS transport calls, on the
// queue only, through the web service's task policy (so the first web task
// has it), next to the media grant.
func TestWorkerQueueGrant(t *testing.T) {
	res := runWorker(t, false, nil, nil)
	queue := res.Named("jobs-queue")
	arn, _ := queue.Output("arn").(string)
	doc := policy(t, res.Named("web-task-policy").InputString("policy"))
	var found bool
	for _, st := range doc.Statement {
		if slices.Contains(st.Resource, arn) {
			found = true
			want := []string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:SendMessage"}
			if !slices.Equal(st.Action, want) || len(st.Resource) != 1 {
				t.Errorf("queue statement: got %v on %v, want %v on the queue only", st.Action, st.Resource, want)
			}
		}
	}
	if !found {
		t.Errorf("web-task-policy: got %v, want a statement on the queue %s", doc.Statement, arn)
	}
	if len(doc.Statement) != 2 {
		t.Errorf("web-task-policy: got %d statements, want 2 (media and queue)", len(doc.Statement))
	}
	for _, name := range []string{"jobs-queue", "jobs-dlq"} {
		if q := res.Named(name); q.Input("sqsManagedSseEnabled") != true {
			t.Errorf("%s sqsManagedSseEnabled: got %v, want true", name, q.Input("sqsManagedSseEnabled"))
		}
	}
	var redrive map[string]any
	if err := json.Unmarshal([]byte(queue.InputString("redrivePolicy")), &redrive); err != nil ||
		redrive["deadLetterTargetArn"] != res.Named("jobs-dlq").Output("arn") || redrive["maxReceiveCount"] != float64(5) {
		t.Errorf("jobs-queue redrivePolicy: got %v (%v), want the dead-letter queue after 5 receives", redrive, err)
	}
	if got := queue.Input("visibilityTimeoutSeconds"); got != float64(900) {
		t.Errorf("jobs-queue visibilityTimeoutSeconds: got %v, want 900", got)
	}
}

// policiesOf maps the worker's scaling policies to their configuration.
func policiesOf(res *offline.Result) map[string]*offline.Resource {
	out := map[string]*offline.Resource{}
	for _, p := range res.ByType("aws:appautoscaling/policy:Policy") {
		if strings.HasPrefix(p.Name, "jobs-") {
			out[p.Name] = p
		}
	}
	return out
}

// TestWorkerScaling protects the scaling choice: with Container Insights,
// AWS's backlog-per-task target tracking (ApproximateNumberOfMessagesVisible
// / RunningTaskCount, Application Auto Scaling user guide, "Create a target
// tracking scaling policy for Application Auto Scaling using metric math");
// without it, step scaling on ApproximateNumberOfMessagesVisible; without a
// queue, CPU only. CPU tracking is always there.
func TestWorkerScaling(t *testing.T) {
	t.Run("backlog per task", func(t *testing.T) {
		res := runWorker(t, false, nil, func(a *components.WorkerArgs) { a.BacklogPerTask = 40 })
		ps := policiesOf(res)
		if len(ps) != 2 || ps["jobs-cpu-scaling"] == nil || ps["jobs-backlog-scaling"] == nil {
			t.Fatalf("policies: got %v, want jobs-cpu-scaling and jobs-backlog-scaling", keys(ps))
		}
		p := ps["jobs-backlog-scaling"]
		cfg := "targetTrackingScalingPolicyConfiguration"
		if got := p.Input(cfg + ".targetValue"); got != float64(40) {
			t.Errorf("backlog target: got %v, want 40", got)
		}
		metrics, _ := p.Input(cfg + ".customizedMetricSpecification.metrics").([]any)
		var names, exprs []string
		for _, m := range metrics {
			mm := m.(map[string]any)
			if e, ok := mm["expression"].(string); ok {
				exprs = append(exprs, e)
			}
			if s, ok := mm["metricStat"].(map[string]any); ok {
				names = append(names, s["metric"].(map[string]any)["metricName"].(string))
			}
		}
		if !slices.Equal(names, []string{"ApproximateNumberOfMessagesVisible", "RunningTaskCount"}) || !slices.Equal(exprs, []string{"m1 / m2"}) {
			t.Errorf("backlog metric: got metrics %v, expressions %v; want messages visible / running tasks", names, exprs)
		}
		for _, tg := range res.ByType("aws:appautoscaling/target:Target") {
			if tg.Name == "jobs-scaling" && (tg.Input("minCapacity") != float64(1) || tg.Input("maxCapacity") != float64(4)) {
				t.Errorf("jobs-scaling: got %v..%v, want 1..4", tg.Input("minCapacity"), tg.Input("maxCapacity"))
			}
		}
	})
	t.Run("steps without container insights", func(t *testing.T) {
		res := runWorker(t, false, func(a *components.DjangoServiceArgs) { a.ContainerInsights = pulumi.BoolRef(false) }, nil)
		ps := policiesOf(res)
		if len(ps) != 3 || ps["jobs-backlog-out-scaling"] == nil || ps["jobs-backlog-in-scaling"] == nil {
			t.Fatalf("policies: got %v, want cpu, backlog-out and backlog-in", keys(ps))
		}
		high := res.Named("jobs-backlog-high")
		if high == nil || high.Input("metricName") != "ApproximateNumberOfMessagesVisible" || high.Input("threshold") != float64(100) {
			t.Fatalf("jobs-backlog-high: got %v, want ApproximateNumberOfMessagesVisible >= 100", high)
		}
	})
	t.Run("cpu without a queue", func(t *testing.T) {
		res := runWorker(t, true, nil, nil)
		ps := policiesOf(res)
		if len(ps) != 1 || ps["jobs-cpu-scaling"] == nil {
			t.Fatalf("policies: got %v, want jobs-cpu-scaling only", keys(ps))
		}
		if got := ps["jobs-cpu-scaling"].Input("targetTrackingScalingPolicyConfiguration.predefinedMetricSpecification.predefinedMetricType"); got != "ECSServiceAverageCPUUtilization" {
			t.Errorf("cpu policy metric: got %v", got)
		}
	})
}

func keys(m map[string]*offline.Resource) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestWorkerValidation protects the promise that a bad worker is refused
// before anything is registered, naming the argument.
func TestWorkerValidation(t *testing.T) {
	cases := []struct {
		name string
		edit func(*components.WorkerArgs)
		want string
	}{
		{"cpu", func(a *components.WorkerArgs) { a.CPU = 300 }, `Worker "jobs": cpu: cpu 300 is not a Fargate task size`},
		{"memory", func(a *components.WorkerArgs) { a.CPU, a.Memory = 256, 4096 }, `memory: memory 4096 MiB does not fit cpu 256`},
		{"min", func(a *components.WorkerArgs) { a.MinTasks = -1 }, `minTasks: -1 is below 1`},
		{"max below min", func(a *components.WorkerArgs) { a.MinTasks, a.MaxTasks = 3, 2 }, `maxTasks: 2 is below minTasks 3`},
		{"backlog", func(a *components.WorkerArgs) { a.BacklogPerTask = -5 }, `backlogPerTask: -5 must be at least 1`},
		{"command", func(a *components.WorkerArgs) { a.Command = []string{"celery", ""} }, `command: ["celery" ""] holds an empty argument`},
		{"service", func(a *components.WorkerArgs) { a.Service = nil }, `service: is required`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := runWorkerErr(false, nil, tc.edit)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
			for _, r := range res.Resources {
				if strings.Contains(r.Type, "Worker") || strings.HasPrefix(r.Name, "jobs-task") {
					t.Errorf("got %s registered, want no worker resource", r.URN)
				}
			}
		})
	}
	if err := (components.TaskQueueArgs{VisibilityTimeout: 20}).Validate("jobs", "prod"); err == nil ||
		!strings.Contains(err.Error(), "visibilityTimeout: 20 seconds is out of range") {
		t.Errorf("TaskQueue visibilityTimeout 20: got %v, want out of range", err)
	}
}
