package components

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/acm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/route53"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// loadBalancer creates the ALB, its target group, the listeners and, with a
// hosted zone, the certificate and the DNS record; with Listener, only the
// target group and a rule on that listener.
func (b *serviceBuilder) loadBalancer() error {
	a := b.a
	if a.Listener != nil {
		return b.attach()
	}
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
	b.lbArnSuffix = b.s.LoadBalancer.ArnSuffix
	b.s.LoadBalancerArnSuffix = b.lbArnSuffix
	b.s.LoadBalancerSecurityGroupID = b.s.AlbSecurityGroup.ID().ToStringOutput()
	if err := b.targetGroup(); err != nil {
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
			b.s.HostRule, err = b.forwardRule("host", b.s.Listeners[443].Arn, pulumi.Int(10), []string{a.Domain}, nil)
			if err != nil {
				return err
			}
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
	// Another service attaches to the HTTPS listener when there is one.
	b.s.ListenerArn = b.s.Listeners[80].Arn
	if l, ok := b.s.Listeners[443]; ok {
		b.s.ListenerArn = l.Arn
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

// targetGroup creates the service's target group: its tasks' IPs on
// ContainerPort, health checked on LivenessPath.
func (b *serviceBuilder) targetGroup() error {
	a := b.a
	var err error
	b.s.TargetGroup, err = lb.NewTargetGroup(b.ctx, b.child("tg"), &lb.TargetGroupArgs{
		VpcId:               a.VpcID,
		TargetType:          pulumi.String("ip"),
		Port:                pulumi.Int(a.ContainerPort),
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
	b.s.TargetGroupArnSuffix = b.s.TargetGroup.ArnSuffix
	return nil
}

// forwardRule adds a rule forwarding the requests that match hosts and
// paths (either may be empty, not both) on listener to the target group.
func (b *serviceBuilder) forwardRule(role string, listener pulumi.StringInput, priority pulumi.IntInput, hosts, paths []string) (*lb.ListenerRule, error) {
	var conditions lb.ListenerRuleConditionArray
	if len(hosts) > 0 {
		conditions = append(conditions, lb.ListenerRuleConditionArgs{
			HostHeader: &lb.ListenerRuleConditionHostHeaderArgs{Values: pulumi.ToStringArray(hosts)},
		})
	}
	if len(paths) > 0 {
		conditions = append(conditions, lb.ListenerRuleConditionArgs{
			PathPattern: &lb.ListenerRuleConditionPathPatternArgs{Values: pulumi.ToStringArray(paths)},
		})
	}
	rule, err := lb.NewListenerRule(b.ctx, b.child(role), &lb.ListenerRuleArgs{
		ListenerArn: listener,
		Priority:    priority,
		Conditions:  conditions,
		Actions: lb.ListenerRuleActionArray{lb.ListenerRuleActionArgs{
			Type: pulumi.String("forward"), TargetGroupArn: b.s.TargetGroup.Arn,
		}},
		Tags: b.tags,
	}, b.parent)
	if err != nil {
		return nil, err
	}
	b.listenerDeps = append(b.listenerDeps, rule)
	return rule, nil
}

// attach puts the service behind another service's listener: its own
// target group and a rule on that listener, nothing else of the load
// balancer's. The security group rules between the load balancer and the
// tasks are made by securityGroups.
func (b *serviceBuilder) attach() error {
	l := b.a.Listener
	if err := b.targetGroup(); err != nil {
		return err
	}
	var err error
	b.s.ListenerRule, err = b.forwardRule("rule", l.ListenerArn, pulumi.Int(l.Priority), l.Hosts, l.Paths)
	if err != nil {
		return err
	}
	b.s.ListenerArn = l.ListenerArn.ToStringOutput()
	b.s.LoadBalancerSecurityGroupID = l.SecurityGroupID.ToStringOutput()
	b.lbArnSuffix = b.s.ListenerArn.ApplyT(listenerLoadBalancer).(pulumi.StringOutput)
	b.s.LoadBalancerArnSuffix = b.lbArnSuffix
	site := l.URL.ToStringOutput().ApplyT(func(u string) (attachedSite, error) {
		return attachSite(u, l.Hosts, l.Paths)
	})
	field := func(f func(attachedSite) string) pulumi.StringOutput {
		return site.ApplyT(func(v any) string { return f(v.(attachedSite)) }).(pulumi.StringOutput)
	}
	b.s.URL = field(func(s attachedSite) string { return s.url })
	b.s.AlbDNSName = field(func(s attachedSite) string { return s.ownerHost })
	b.hosts = field(func(s attachedSite) string { return s.hosts })
	b.origins = field(func(s attachedSite) string { return s.origins })
	return nil
}

// attachedSite is what an attached service serves: its URL, the owner's
// host, and its DJANGO_ALLOWED_HOSTS and DJANGO_CSRF_TRUSTED_ORIGINS.
type attachedSite struct{ url, ownerHost, hosts, origins string }

// attachSite derives an attached service's site from the owner's URL and
// the rule's hosts and paths: the hosts are its own (a "*." wildcard is
// Django's leading-dot subdomain form), or the owner's host without any;
// its URL is the first concrete host and the first path's fixed prefix.
func attachSite(ownerURL string, hosts, paths []string) (attachedSite, error) {
	u, err := url.Parse(ownerURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return attachedSite{}, fmt.Errorf("listener.url: %q is not an absolute URL such as https://api.example.com", ownerURL)
	}
	s := attachedSite{ownerHost: u.Host}
	var allowed, origins []string
	host := u.Host
	for _, h := range hosts {
		if rest, ok := strings.CutPrefix(h, "*."); ok {
			allowed = append(allowed, "."+rest)
			continue
		}
		if host == u.Host {
			host = h
		}
		allowed = append(allowed, h)
		origins = append(origins, u.Scheme+"://"+h)
	}
	if len(hosts) == 0 {
		allowed, origins = []string{u.Host}, []string{u.Scheme + "://" + u.Host}
	}
	path := ""
	if len(paths) > 0 {
		path, _, _ = strings.Cut(paths[0], "*")
		path, _, _ = strings.Cut(path, "?")
	}
	s.url = u.Scheme + "://" + host + path
	s.hosts, s.origins = strings.Join(allowed, ","), strings.Join(origins, ",")
	return s, nil
}

// listenerLoadBalancer returns the ARN suffix of a listener's load balancer
// ("app/<name>/<id>"), the LoadBalancer dimension of its CloudWatch
// metrics: a listener's ARN is
// arn:<partition>:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<listener id>.
func listenerLoadBalancer(listenerArn string) (string, error) {
	_, rest, ok := strings.Cut(listenerArn, ":listener/")
	i := strings.LastIndex(rest, "/")
	if !ok || i < 0 || strings.Count(rest, "/") != 3 {
		return "", fmt.Errorf("listener.listenerArn: %q is not an Application Load Balancer listener ARN", listenerArn)
	}
	return rest[:i], nil
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
	if a.CertificateArn != nil {
		return a.CertificateArn, nil
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
