package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// loadBalancer creates the ALB, its target group, the listeners and, with a
// hosted zone, the certificate and the DNS record.
func (b *serviceBuilder) loadBalancer() error {
	a := b.a
	var logs *lb.LoadBalancerAccessLogsArgs
	if a.AccessLogsBucket != nil {
		prefix := a.AccessLogsPrefix
		if prefix == nil {
			prefix = pulumi.String(b.name)
		}
		logs = &lb.LoadBalancerAccessLogsArgs{Bucket: a.AccessLogsBucket, Prefix: prefix, Enabled: pulumi.Bool(true)}
	}
	subnets := a.PublicSubnetIDs
	if a.Internal {
		subnets = a.PrivateSubnetIDs
	}
	var err error
	b.s.LoadBalancer, err = lb.NewLoadBalancer(b.ctx, b.child("alb"), &lb.LoadBalancerArgs{
		LoadBalancerType:         pulumi.String("application"),
		Internal:                 pulumi.Bool(a.Internal),
		Subnets:                  subnets,
		SecurityGroups:           pulumi.StringArray{b.s.AlbSecurityGroup.ID().ToStringOutput()},
		IdleTimeout:              pulumi.Int(a.IdleTimeout),
		DropInvalidHeaderFields:  pulumi.Bool(true),
		DesyncMitigationMode:     pulumi.String("defensive"),
		EnableDeletionProtection: pulumi.Bool(*a.DeletionProtection),
		EnableHttp2:              pulumi.Bool(true),
		AccessLogs:               logs,
		Tags:                     b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	b.s.AlbDNSName = b.s.LoadBalancer.DnsName
	b.s.TargetGroup, err = lb.NewTargetGroup(b.ctx, b.child("tg"), &lb.TargetGroupArgs{
		VpcId:               a.VpcID,
		TargetType:          pulumi.String("ip"),
		Port:                pulumi.Int(ContainerPort),
		Protocol:            pulumi.String("HTTP"),
		ProtocolVersion:     pulumi.String("HTTP1"),
		DeregistrationDelay: pulumi.Int(a.Gunicorn.DeregistrationDelay),
		HealthCheck: &lb.TargetGroupHealthCheckArgs{
			Enabled:            pulumi.Bool(true),
			Path:               pulumi.String(a.LivenessPath),
			Matcher:            pulumi.String("200"),
			Protocol:           pulumi.String("HTTP"),
			Port:               pulumi.String("traffic-port"),
			Interval:           pulumi.Int(15),
			Timeout:            pulumi.Int(healthCheckTimeout),
			HealthyThreshold:   pulumi.Int(2),
			UnhealthyThreshold: pulumi.Int(3),
		},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	forward := lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type: pulumi.String("forward"), TargetGroupArn: b.s.TargetGroup.Arn,
	}}
	host := b.s.LoadBalancer.DnsName
	scheme := "http"
	if a.https() {
		scheme = "https"
		certArn, err := b.certificate()
		if err != nil {
			return err
		}
		defaults := forward
		if a.Domain != "" {
			defaults = misdirected()
		}
		b.s.Listeners[443], err = lb.NewListener(b.ctx, b.child("https"), &lb.ListenerArgs{
			LoadBalancerArn: b.s.LoadBalancer.Arn,
			Port:            pulumi.Int(443),
			Protocol:        pulumi.String("HTTPS"),
			SslPolicy:       pulumi.String(TLSPolicy),
			CertificateArn:  certArn,
			DefaultActions:  defaults,
			Tags:            b.tags,
		}, b.parent)
		if err != nil {
			return err
		}
		if a.Domain != "" {
			// Only the site's own host reaches Django; target health checks
			// go to the targets directly and never pass listener rules.
			b.s.HostRule, err = lb.NewListenerRule(b.ctx, b.child("host"), &lb.ListenerRuleArgs{
				ListenerArn: b.s.Listeners[443].Arn,
				Priority:    pulumi.Int(10),
				Conditions: lb.ListenerRuleConditionArray{lb.ListenerRuleConditionArgs{
					HostHeader: &lb.ListenerRuleConditionHostHeaderArgs{Values: pulumi.ToStringArray([]string{a.Domain})},
				}},
				Actions: lb.ListenerRuleActionArray{lb.ListenerRuleActionArgs{
					Type: pulumi.String("forward"), TargetGroupArn: b.s.TargetGroup.Arn,
				}},
				Tags: b.tags,
			}, b.parent)
			if err != nil {
				return err
			}
			b.listenerDeps = append(b.listenerDeps, b.s.HostRule)
		}
		forward = lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
			Type: pulumi.String("redirect"),
			Redirect: &lb.ListenerDefaultActionRedirectArgs{
				Protocol: pulumi.String("HTTPS"), Port: pulumi.String("443"), StatusCode: pulumi.String("HTTP_301"),
			},
		}}
	}
	b.s.Listeners[80], err = lb.NewListener(b.ctx, b.child("http"), &lb.ListenerArgs{
		LoadBalancerArn: b.s.LoadBalancer.Arn,
		Port:            pulumi.Int(80),
		Protocol:        pulumi.String("HTTP"),
		DefaultActions:  forward,
		Tags:            b.tags,
	}, b.parent)
	if err != nil {
		return err
	}
	for _, l := range b.s.Listeners {
		b.listenerDeps = append(b.listenerDeps, l)
	}
	if a.Domain != "" {
		host = pulumi.String(a.Domain).ToStringOutput()
		b.hosts = pulumi.Sprintf("%s,%s", a.Domain, b.s.LoadBalancer.DnsName)
	} else {
		b.hosts = b.s.LoadBalancer.DnsName
	}
	b.s.URL = pulumi.Sprintf("%s://%s", scheme, host)
	b.origins = b.s.URL
	return nil
}

// misdirected answers a request for a host the service does not serve
// (a scanner using the load balancer's DNS name or address) with 421
// Misdirected Request, without reaching Django.
func misdirected() lb.ListenerDefaultActionArray {
	return lb.ListenerDefaultActionArray{lb.ListenerDefaultActionArgs{
		Type: pulumi.String("fixed-response"),
		FixedResponse: &lb.ListenerDefaultActionFixedResponseArgs{
			ContentType: pulumi.String("text/plain"),
			MessageBody: pulumi.String("Misdirected Request\n"),
			StatusCode:  pulumi.String("421"),
		},
	}}
}

// certificate returns the HTTPS certificate: the one given, or one issued
// by ACM and validated through DNS in the hosted zone, with the domain
// pointed at the load balancer.
func (b *serviceBuilder) certificate() (pulumi.StringInput, error) {
	a := b.a
	var zoneID pulumi.StringOutput
	if a.HostedZone != "" {
		zone := route53.LookupZoneOutput(b.ctx, route53.LookupZoneOutputArgs{
			Name: pulumi.String(a.HostedZone), PrivateZone: pulumi.Bool(false),
		}, b.parent)
		zoneID = zone.ZoneId()
		_, err := route53.NewRecord(b.ctx, b.child("dns"), &route53.RecordArgs{
			ZoneId: zoneID,
			Name:   pulumi.String(a.Domain),
			Type:   pulumi.String("A"),
			Aliases: route53.RecordAliasArray{route53.RecordAliasArgs{
				Name: b.s.LoadBalancer.DnsName, ZoneId: b.s.LoadBalancer.ZoneId, EvaluateTargetHealth: pulumi.Bool(true),
			}},
		}, b.parent)
		if err != nil {
			return nil, err
		}
	}
	if a.CertificateArn != "" {
		return pulumi.String(a.CertificateArn), nil
	}
	var err error
	b.s.Certificate, err = acm.NewCertificate(b.ctx, b.child("cert"), &acm.CertificateArgs{
		DomainName:       pulumi.String(a.Domain),
		ValidationMethod: pulumi.String("DNS"),
		Tags:             b.tags,
	}, b.parent)
	if err != nil {
		return nil, err
	}
	opt := b.s.Certificate.DomainValidationOptions.Index(pulumi.Int(0))
	record, err := route53.NewRecord(b.ctx, b.child("cert-validation"), &route53.RecordArgs{
		ZoneId:         zoneID,
		Name:           opt.ResourceRecordName().Elem(),
		Type:           opt.ResourceRecordType().Elem(),
		Records:        pulumi.StringArray{opt.ResourceRecordValue().Elem()},
		Ttl:            pulumi.Int(60),
		AllowOverwrite: pulumi.Bool(true),
	}, b.parent)
	if err != nil {
		return nil, err
	}
	validation, err := acm.NewCertificateValidation(b.ctx, b.child("cert-validated"), &acm.CertificateValidationArgs{
		CertificateArn:        b.s.Certificate.Arn,
		ValidationRecordFqdns: pulumi.StringArray{record.Fqdn},
	}, b.parent)
	if err != nil {
		return nil, err
	}
	return validation.CertificateArn, nil
}
