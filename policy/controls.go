// Controls: the list of checks, one per CONTROLS.md row a preview shows.

package policy

// Controls returns every check, in CONTROLS.md order. Rows a preview cannot
// show are listed by JudgedElsewhere instead.
func Controls() []*Control {
	return []*Control{
		{ID: "NET-1", Title: "VPC flow logs", Severity: Medium, References: refsOf("SH EC2.6", "NAG VPC7", "CK CKV2_AWS_11"), Production: Must, Development: Configurable, check: checkFlowLogs},
		{ID: "NET-2", Title: "default security group closed", Severity: High, References: refsOf("SH EC2.2", "CK CKV2_AWS_12"), Production: Must, Development: Must, check: checkDefaultSG},
		{ID: "NET-3", Title: "one NAT gateway per AZ", Severity: Medium, References: refsOf("WA REL10-BP01"), Production: Must, Development: Configurable, check: checkNat},
		{ID: "NET-4", Title: "least-privilege ingress chain", Severity: Critical, References: refsOf("SH EC2.18", "SH EC2.19", "NAG EC23", "CK CKV_AWS_23", "CK CKV_AWS_24", "CK CKV_AWS_25", "CK CKV_AWS_260"), Production: Must, Development: Must, check: checkIngressChain},
		{ID: "NET-5", Title: "private traffic to AWS APIs", Severity: Low, References: refsOf("CK CKV_AWS_382"), Production: Configurable, Development: Optional, check: checkEndpoints},
		{ID: "ECS-1", Title: "no public IP on tasks", Severity: Critical, References: refsOf("SH ECS.2", "CK CKV_AWS_333"), Production: Must, Development: Must, check: checkTaskNetwork},
		{ID: "ECS-2", Title: "read-only root filesystem", Severity: High, References: refsOf("SH ECS.5", "CK CKV_AWS_336"), Production: Must, Development: Must, check: checkReadOnlyRoot},
		{ID: "ECS-3", Title: "no privileged mode, no host namespaces", Severity: High, References: refsOf("SH ECS.1", "SH ECS.3", "SH ECS.4", "CK CKV_AWS_334", "CK CKV_AWS_335"), Production: Must, Development: Must, check: checkPrivileged},
		{ID: "ECS-4", Title: "secrets only through secrets", Severity: Critical, References: refsOf("SH ECS.8", "NAG ECS2"), Production: Must, Development: Must, check: checkSecrets},
		{ID: "ECS-5", Title: "container logs", Severity: Medium, References: refsOf("NAG ECS7"), Production: Must, Development: Must, check: checkContainerLogs},
		{ID: "ECS-6", Title: "Container Insights", Severity: Low, References: refsOf("SH ECS.12", "NAG ECS4", "CK CKV_AWS_65"), Production: Must, Development: Configurable, check: checkInsights},
		{ID: "ECS-7", Title: "latest Fargate platform", Severity: Low, References: refsOf("SH ECS.10", "CK CKV_AWS_332"), Production: Must, Development: Must, check: checkPlatform},
		{ID: "ECS-8", Title: "separate execution and task roles", Severity: Medium, References: refsOf("CK CKV_AWS_249"), Production: Must, Development: Must, check: checkSeparateRoles},
		{ID: "ECS-9", Title: "non-root container", Severity: High, References: refsOf("Docker and ECS guidance"), Production: Must, Development: Must, check: checkNonRoot},
		{ID: "ECS-10", Title: "safe deployments", Severity: High, References: refsOf("ECS deployment failure detection"), Production: Must, Development: Must, check: checkDeployments},
		{ID: "ECS-11", Title: "high availability", Severity: Medium, References: refsOf("SH ELB.13", "WA REL10-BP01"), Production: Must, Development: Configurable, check: checkAvailability},
		{ID: "ECS-12", Title: "autoscaling", Severity: Medium, References: refsOf("WA"), Production: Must, Development: Must, check: checkAutoscaling},
		{ID: "ECS-13", Title: "drain and shutdown chain", Severity: Medium, References: refsOf("ECS connection draining", "ALB attributes", "gunicorn docs"), Production: Must, Development: Must, check: checkDrainChain},
		{ID: "ECR-1", Title: "scan on push", Severity: Medium, References: refsOf("SH ECR.1", "CK CKV_AWS_163"), Production: Must, Development: Must, check: checkScanOnPush},
		{ID: "ECR-2", Title: "immutable tags", Severity: Medium, References: refsOf("SH ECR.2", "CK CKV_AWS_51"), Production: Must, Development: Must, check: checkImmutableTags},
		{ID: "ECR-3", Title: "lifecycle policy", Severity: Low, References: refsOf("SH ECR.3"), Production: Must, Development: Must, check: checkRepoLifecycle},
		{ID: "ELB-1", Title: "HTTP redirects to HTTPS", Severity: High, References: refsOf("SH ELB.1", "AG", "CK CKV_AWS_2"), Production: Must, Development: Must, check: checkRedirect},
		{ID: "ELB-2", Title: "modern TLS", Severity: High, References: refsOf("CK CKV_AWS_103"), Production: Must, Development: Must, check: checkTLSPolicy},
		{ID: "ELB-3", Title: "drop invalid headers", Severity: Medium, References: refsOf("SH ELB.4", "CK CKV_AWS_131"), Production: Must, Development: Must, check: checkDropInvalidHeaders},
		{ID: "ELB-4", Title: "desync mitigation", Severity: Medium, References: refsOf("SH ELB.12", "CK CKV_AWS_328"), Production: Must, Development: Must, check: checkDesync},
		{ID: "ELB-5", Title: "access logs", Severity: Medium, References: refsOf("SH ELB.5", "NAG ELB2", "CK CKV_AWS_91"), Production: Must, Development: Configurable, check: checkAccessLogs},
		{ID: "ELB-6", Title: "deletion protection", Severity: Medium, References: refsOf("SH ELB.6", "CK CKV_AWS_150"), Production: Must, Development: Configurable, check: checkAlbDeletionProtection},
		{ID: "ELB-7", Title: "explicit health check", Severity: Medium, References: refsOf("CK CKV_AWS_261"), Production: Must, Development: Must, check: checkHealthCheck},
		{ID: "RDS-1", Title: "not public", Severity: Critical, References: refsOf("SH RDS.2", "AG", "CK CKV_AWS_17"), Production: Must, Development: Must, check: checkDBNotPublic},
		{ID: "RDS-2", Title: "encrypted at rest", Severity: High, References: refsOf("SH RDS.3", "NAG RDS2", "CK CKV_AWS_16"), Production: Must, Development: Must, check: checkDBEncrypted},
		{ID: "RDS-3", Title: "Multi-AZ", Severity: Medium, References: refsOf("SH RDS.5", "NAG RDS3", "CK CKV_AWS_157"), Production: Must, Development: Configurable, check: checkDBMultiAZ},
		{ID: "RDS-4", Title: "backups", Severity: High, References: refsOf("SH RDS.11", "CK CKV_AWS_133"), Production: Must, Development: Must, check: checkDBBackups},
		{ID: "RDS-5", Title: "deletion protection and final snapshot", Severity: High, References: refsOf("SH RDS.8", "NAG RDS10"), Production: Must, Development: Configurable, check: checkDBDeletion},
		{ID: "RDS-6", Title: "log exports", Severity: Medium, References: refsOf("SH RDS.9", "CK CKV_AWS_129"), Production: Must, Development: Configurable, check: checkDBLogExports},
		{ID: "RDS-7", Title: "TLS in transit", Severity: High, References: refsOf("CK CKV2_AWS_69"), Production: Must, Development: Must, check: checkDBForceSSL},
		{ID: "RDS-8", Title: "minor upgrades, tags to snapshots", Severity: Low, References: refsOf("SH RDS.13", "SH RDS.17"), Production: Must, Development: Must, check: checkDBUpgrades},
		{ID: "RDS-9", Title: "managed master secret", Severity: High, References: refsOf("NAG SMG4", "CK CKV2_AWS_57"), Production: Must, Development: Must, check: checkDBMasterSecret},
		{ID: "RDS-10", Title: "monitoring", Severity: Low, References: refsOf("SH RDS.6", "CK CKV_AWS_118", "CK CKV_AWS_353"), Production: Must, Development: Configurable, check: checkDBInsights},
		{ID: "S3-1", Title: "block public access", Severity: Critical, References: refsOf("SH S3.1", "SH S3.8", "NAG S2", "CK CKV_AWS_53", "CK CKV_AWS_54", "CK CKV_AWS_55", "CK CKV_AWS_56"), Production: Must, Development: Must, check: checkPublicAccessBlock},
		{ID: "S3-2", Title: "TLS only", Severity: High, References: refsOf("SH S3.5", "NAG S10"), Production: Must, Development: Must, check: checkBucketTLS},
		{ID: "S3-3", Title: "objects owned by the bucket, encrypted", Severity: High, References: refsOf("SH S3.12", "CK CKV_AWS_145"), Production: Must, Development: Must, check: checkOwnershipEncryption},
		{ID: "S3-4", Title: "media versioned", Severity: Medium, References: refsOf("SH S3.14", "CK CKV_AWS_21"), Production: Must, Development: Configurable, check: checkVersioning},
		{ID: "IAM-1", Title: "least privilege", Severity: Critical, References: refsOf("SH IAM.1", "SH IAM.21", "NAG IAM5", "CK CKV_AWS_355", "CK CKV_AWS_290"), Production: Must, Development: Must, check: checkLeastPrivilege},
		{ID: "LOG-1", Title: "log retention", Severity: Low, References: refsOf("NIST CloudWatchLogGroupRetentionPeriod", "CK CKV_AWS_338"), Production: Must, Development: Must, check: checkLogRetention},
		{ID: "DATA-1", Title: "stateful resources protected", Severity: High, References: refsOf("Pulumi protect", "retainOnDelete"), Production: Must, Development: Configurable, check: checkDataProtected},
	}
}

func refsOf(r ...string) []string { return r }
