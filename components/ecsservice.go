package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// service creates the ECS service: private subnets, no public IP, circuit
// breaker with rollback, and desiredCount left to autoscaling after the
// first deploy.
func (b *serviceBuilder) service() error {
	a := b.a
	b.s.Spot = a.Spot
	opts := []pulumi.ResourceOption{b.parent, pulumi.IgnoreChanges([]string{"desiredCount"}), pulumi.DependsOn(b.listenerDeps),
		// Everything a task needs at launch (CONTROLS.md ECS-14): the engine
		// creates the service, and runs the migration hook, only after these.
		pulumi.DependsOn(b.launchDeps), pulumi.DependsOn(a.LaunchDependencies)}
	if *a.Migrations {
		hook, err := b.migrationHook()
		if err != nil {
			return err
		}
		opts = append(opts, pulumi.ResourceHooks(&pulumi.ResourceHookBinding{
			BeforeCreate: []*pulumi.ResourceHook{hook}, BeforeUpdate: []*pulumi.ResourceHook{hook},
		}))
	}
	var err error
	args := b.fargateServiceArgs(b.s.TaskDefinition, a.DesiredCount, a.Spot)
	args.LoadBalancers = ecs.ServiceLoadBalancerArray{ecs.ServiceLoadBalancerArgs{
		TargetGroupArn: b.s.TargetGroup.Arn, ContainerName: pulumi.String(ContainerName), ContainerPort: pulumi.Int(a.ContainerPort),
	}}
	args.HealthCheckGracePeriodSeconds = pulumi.Int(60)
	args.Alarms = b.rollbackAlarms
	b.s.Service, err = ecs.NewService(b.ctx, b.child("service"), args, opts...)
	if err != nil {
		return err
	}
	b.s.ServiceName = b.s.Service.Name
	return nil
}

// autoscaling tracks average CPU and requests per task between MinTasks and
// MaxTasks: scale out fast, scale in slowly.
func (b *serviceBuilder) autoscaling() error {
	a := b.a
	var err error
	b.s.ScalingTarget, err = appautoscaling.NewTarget(b.ctx, b.child("scaling"), &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String("ecs"),
		ScalableDimension: pulumi.String("ecs:service:DesiredCount"),
		ResourceId:        pulumi.Sprintf("service/%s/%s", b.s.ClusterName, b.s.Service.Name),
		MinCapacity:       pulumi.Int(a.MinTasks),
		MaxCapacity:       pulumi.Int(a.MaxTasks),
		Tags:              b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	policies := []struct {
		role, metric string
		target       int
		label        pulumi.StringPtrInput
	}{
		{"cpu-scaling", "ECSServiceAverageCPUUtilization", a.CPUTarget, nil},
		{"requests-scaling", "ALBRequestCountPerTarget", a.RequestsPerTarget,
			pulumi.Sprintf("%s/%s", b.lbArnSuffix, b.s.TargetGroup.ArnSuffix)},
	}
	for _, p := range policies {
		_, err = appautoscaling.NewPolicy(b.ctx, b.child(p.role), &appautoscaling.PolicyArgs{
			PolicyType:        pulumi.String("TargetTrackingScaling"),
			ServiceNamespace:  b.s.ScalingTarget.ServiceNamespace,
			ScalableDimension: b.s.ScalingTarget.ScalableDimension,
			ResourceId:        b.s.ScalingTarget.ResourceId,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				TargetValue:      pulumi.Float64(float64(p.target)),
				ScaleOutCooldown: pulumi.Int(60),
				ScaleInCooldown:  pulumi.Int(300),
				PredefinedMetricSpecification: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
					PredefinedMetricType: pulumi.String(p.metric),
					ResourceLabel:        p.label,
				},
			},
		}, b.parent)
		if err != nil {
			return err
		}
	}
	return nil
}

// fargateServiceArgs are the arguments every ECS service of this
// service's tasks shares (the web service and its workers): td run in its
// cluster's private subnets with the task security group and no public
// IP, on FARGATE or, with spot, the FARGATE_SPOT capacity provider alone
// (a service takes one or the other), desired tasks to start with, the
// circuit breaker with rollback, a rolling deploy that keeps every task
// until its replacement is up, ECS Exec as configured, managed tags, and a
// wait for a steady state.
func (b *serviceBuilder) fargateServiceArgs(td *ecs.TaskDefinition, desired int, spot bool) *ecs.ServiceArgs {
	args := &ecs.ServiceArgs{
		Cluster:         b.clusterArn,
		TaskDefinition:  td.Arn,
		DesiredCount:    pulumi.Int(desired),
		LaunchType:      pulumi.String("FARGATE"),
		PlatformVersion: pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        b.a.PrivateSubnetIDs,
			SecurityGroups: pulumi.StringArray{b.s.TaskSecurityGroup.ID().ToStringOutput()},
			AssignPublicIp: pulumi.Bool(false),
		},
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		EnableExecuteCommand:            pulumi.Bool(b.a.EcsExec),
		EnableEcsManagedTags:            pulumi.Bool(true),
		PropagateTags:                   pulumi.String("SERVICE"),
		WaitForSteadyState:              pulumi.Bool(true),
		Tags:                            b.tags,
	}
	if spot {
		args.LaunchType = nil
		args.CapacityProviderStrategies = ecs.ServiceCapacityProviderStrategyArray{ecs.ServiceCapacityProviderStrategyArgs{
			CapacityProvider: pulumi.String("FARGATE_SPOT"), Weight: pulumi.Int(1),
		}}
	}
	return args
}
