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
	launchType, strategy := fargateCapacity(a.Spot)
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
	b.s.Service, err = ecs.NewService(b.ctx, b.child("service"), &ecs.ServiceArgs{
		Cluster:                    b.clusterArn,
		TaskDefinition:             b.s.TaskDefinition.Arn,
		DesiredCount:               pulumi.Int(a.DesiredCount),
		LaunchType:                 launchType,
		CapacityProviderStrategies: strategy,
		PlatformVersion:            pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        a.PrivateSubnetIDs,
			SecurityGroups: pulumi.StringArray{b.s.TaskSecurityGroup.ID().ToStringOutput()},
			AssignPublicIp: pulumi.Bool(false),
		},
		LoadBalancers: ecs.ServiceLoadBalancerArray{ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: b.s.TargetGroup.Arn, ContainerName: pulumi.String(ContainerName), ContainerPort: pulumi.Int(a.ContainerPort),
		}},
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true),
		},
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		HealthCheckGracePeriodSeconds:   pulumi.Int(60),
		EnableExecuteCommand:            pulumi.Bool(a.EcsExec),
		EnableEcsManagedTags:            pulumi.Bool(true),
		PropagateTags:                   pulumi.String("SERVICE"),
		WaitForSteadyState:              pulumi.Bool(true),
		Alarms:                          b.rollbackAlarms,
		Tags:                            b.tags,
	}, opts...)
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

// fargateCapacity is how an ECS service places its tasks: the FARGATE launch
// type, or with spot the FARGATE_SPOT capacity provider alone (a service
// takes one or the other, never both).
func fargateCapacity(spot bool) (pulumi.StringPtrInput, ecs.ServiceCapacityProviderStrategyArray) {
	if !spot {
		return pulumi.String("FARGATE"), nil
	}
	return nil, ecs.ServiceCapacityProviderStrategyArray{ecs.ServiceCapacityProviderStrategyArgs{
		CapacityProvider: pulumi.String("FARGATE_SPOT"), Weight: pulumi.Int(1),
	}}
}
