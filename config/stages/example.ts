import type { AppConfig } from '../../lib/config/app-config.js';

/**
 * The default stage: an example that synthesizes offline with no AWS credentials. Copy this file to
 * config/stages/<name>.ts, register it in config/stages/index.ts, and deploy with `-c stage=<name>`.
 */
export const example: AppConfig = {
  appName: 'pg-backup',
  account: '123456789012',
  primaryRegion: 'eu-west-1',
  // A production stage: the replica lives in a vault account of its own, every backup is locked in COMPLIANCE
  // mode for its whole life, and only the break-glass role can change keys, locks or bucket policies.
  production: true,
  vault: {
    account: '210987654321',
    region: 'eu-central-1',
    // The vault stack's ReplicaKeyArn output, copied here after its first deploy (docs/operations.md).
    replicaKeyArn: 'arn:aws:kms:eu-central-1:210987654321:key/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  },
  protection: { breakGlassRoleName: 'pg-backup-break-glass' },
  storage: {
    retentionDays: 400,
    objectLock: { mode: 'COMPLIANCE', days: 400 },
    lifecycle: { infrequentAccessAfterDays: 30, archiveAfterDays: 90, archiveStorageClass: 'GLACIER', noncurrentVersionExpirationDays: 30 },
  },
  alerts: { emails: ['backup-alerts@example.com'] },
  databases: [
    {
      id: 'orders-db',
      connection: { rdsInstance: 'orders-prod', database: 'orders' },
      // The secret of a dedicated backup login (docs/operations.md "A least-privileged backup login"), JSON
      // {username, password}; never the RDS master's, which can change or drop everything. Only its ARN reaches the task.
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/orders-db/backup-login-AbCdEf',
      databaseSecurityGroupId: 'sg-0123456789abcdef0',
      smokeQueries: ['SELECT count(*) > 0 FROM orders'],
      // Defaults: dump daily 02:00 UTC on 2 vCPU / 4 GiB; verify daily 06:00 on 4 vCPU / 16 GiB / 200 GiB;
      // rpo 26 h (the daily gap plus 2 h: the freshness limit), rto { hours: 4 }; the instance's point-in-time
      // recovery checked: on, kept at least 7 days, at most 15 minutes behind (docs/operations.md, "Recovery targets").
    },
  ],
  // The default: a new VPC with private isolated subnets and VPC endpoints, no NAT gateway. It reaches the
  // database through VPC peering (or a transit gateway) with its VPC; or name that VPC: { vpcId, privateSubnetIds }.
  // s3PrefixListId: the region's S3 prefix list (the same id in every account of a region), the tasks' only way
  // to S3: aws ec2 describe-managed-prefix-lists --region eu-west-1 --filters Name=prefix-list-name,Values=com.amazonaws.eu-west-1.s3
  network: { createVpc: true, cidr: '10.80.0.0/20', maxAzs: 2, s3PrefixListId: 'pl-6da54004' },
  jobs: { cpuArchitecture: 'ARM64', logRetentionDays: 365 },
};
