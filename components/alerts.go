package components

import (
	"fmt"
	"net/mail"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlertsArgs configure Alerts.
type AlertsArgs struct {
	// Email subscribes this address to the topic. AWS mails it a
	// confirmation link that must be followed before it gets alarms.
	// Default none: subscribe a pager or chat integration yourself.
	Email string `pulumi:"email,optional"`
	// Tags are added to the topic.
	Tags map[string]string `pulumi:"tags,optional"`
}

// Alerts is the SNS topic the alarms of DjangoService and Database notify
// (pass TopicArn as their AlarmTopicArn).
//
// The topic is not encrypted with a KMS key: CloudWatch cannot publish to a
// topic encrypted with the AWS-managed aws/sns key, and a customer-managed
// key costs a key and a key policy for messages that hold only alarm names
// and metric values (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
type Alerts struct {
	pulumi.ResourceState

	// TopicArn is the topic's ARN.
	TopicArn pulumi.StringOutput `pulumi:"topicArn"`

	// Topic is the SNS topic.
	Topic *sns.Topic
	// Subscription is the e-mail subscription; nil without Email.
	Subscription *sns.TopicSubscription
}

// Validate returns a *FieldError for the first invalid argument.
func (a AlertsArgs) Validate() error { return a.validate("") }

func (a AlertsArgs) validate(name string) error {
	if a.Email != "" {
		if addr, err := mail.ParseAddress(a.Email); err != nil || addr.Address != a.Email {
			return argError("Alerts", name, "email", "%q is not an e-mail address such as ops@example.com", a.Email)
		}
	}
	return nil
}

// NewAlerts creates the topic, a policy that lets only this account's
// CloudWatch alarms publish (over TLS), and the optional e-mail subscription.
func NewAlerts(ctx *pulumi.Context, name string, args *AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	var a AlertsArgs
	if args != nil {
		a = *args
	}
	if err := a.validate(name); err != nil {
		return nil, err
	}
	al := &Alerts{}
	if err := ctx.RegisterComponentResource(typePrefix+"Alerts", name, al, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(al)
	id, err := aws.GetCallerIdentity(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	region, err := aws.GetRegion(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	part, err := aws.GetPartition(ctx, nil, parent)
	if err != nil {
		return nil, err
	}
	al.Topic, err = sns.NewTopic(ctx, child(name, "alerts"), &sns.TopicArgs{Tags: pulumi.ToStringMap(a.Tags)}, parent)
	if err != nil {
		return nil, err
	}
	alarms := fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:*", part.Partition, region.Name, id.AccountId)
	policy := al.Topic.Arn.ApplyT(func(topic string) string {
		return PolicyDocument{Version: policyVersion, Statement: []Statement{{
			Sid:       "CloudWatchAlarmsOfThisAccount",
			Effect:    "Allow",
			Principal: map[string]any{"Service": "cloudwatch.amazonaws.com"},
			Action:    []string{"sns:Publish"},
			Resource:  []string{topic},
			Condition: map[string]map[string]any{
				"StringEquals": {"aws:SourceAccount": id.AccountId},
				"ArnLike":      {"aws:SourceArn": alarms},
			},
		}, {
			Sid:       "TLSOnly",
			Effect:    "Deny",
			Principal: map[string]any{"AWS": "*"},
			Action:    []string{"sns:Publish"},
			Resource:  []string{topic},
			Condition: map[string]map[string]any{"Bool": {"aws:SecureTransport": "false"}},
		}}}.JSON()
	}).(pulumi.StringOutput)
	if _, err = sns.NewTopicPolicy(ctx, child(name, "alerts-policy"), &sns.TopicPolicyArgs{
		Arn: al.Topic.Arn, Policy: policy,
	}, parent); err != nil {
		return nil, err
	}
	if a.Email != "" {
		al.Subscription, err = sns.NewTopicSubscription(ctx, child(name, "alerts-email"), &sns.TopicSubscriptionArgs{
			Topic: al.Topic.Arn, Protocol: pulumi.String("email"), Endpoint: pulumi.String(a.Email),
		}, parent)
		if err != nil {
			return nil, err
		}
	}
	al.TopicArn = al.Topic.Arn
	return al, ctx.RegisterResourceOutputs(al, pulumi.Map{"topicArn": al.TopicArn})
}
