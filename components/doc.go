// Package components is a library of Pulumi component resources that put a
// production Django API on AWS ECS Fargate.
//
// The components compose into one stack but stand alone:
//
//   - Network: a VPC with public, private and isolated subnets, NAT, VPC
//     endpoints, flow logs and a closed default security group.
//   - Registry: an ECR repository and the app image, built and pushed, pinned
//     by its content tag, immutable in the repository.
//   - Database: RDS PostgreSQL with TLS forced and an RDS-managed password.
//   - Storage: private, encrypted S3 buckets for media and ALB access logs
//     (static files are served from the image by WhiteNoise).
//   - DjangoService: the Fargate service behind an Application Load
//     Balancer, with autoscaling, secrets and migrations.
//   - TaskQueue and Worker: an encrypted SQS queue with a dead-letter queue,
//     and a long-lived command (a Celery worker) from a DjangoService's image
//     with its environment, secrets and roles, without a load balancer,
//     scaling on the queue's backlog per task. Worker takes the
//     *DjangoService and is Go only.
//   - ScheduledCommands: commands of a DjangoService run on EventBridge
//     Scheduler schedules, as one-off tasks of its task definition.
//
// Every constructor has the form NewX(ctx, name, *XArgs, ...opts): it
// validates and defaults its arguments before it registers anything, so a bad
// call returns an error naming the component and the field and leaves
// nothing half-made. Defaults are secure and highly available; cheaper
// choices are explicit arguments, documented where they are declared.
// Children are named "<name>-<role>" and parented to their component. The
// underlying resources are exported fields; pass pulumi.Transforms for
// anything the arguments do not cover.
package components
