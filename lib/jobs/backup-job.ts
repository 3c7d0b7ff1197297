import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { grantPatterns } from '../../src/contract/layout.js';
import { dumpTaskEnvironment, verifyTaskEnvironment } from '../../src/contract/task-environment.js';
import type { ResolvedDatabaseJobConfig } from '../config/database-config.js';
import { BackupAccess, dumpWritePatterns, grantDescribeRdsInstance } from '../storage/backup-access.js';
import { type JobsShared, JobTask, WORK_DIR } from './job-task.js';
import type { AwsApiDestination } from './jobs-network.js';

/**
 * The private IPv4 ranges (RFC 1918): where the dump may reach the database port when no
 * databaseSecurityGroupId names the database's group, so a task can never send data to a public address
 * on that port (through a NAT of an existing VPC).
 */
export const PRIVATE_IPV4_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

export interface BackupJobProps {
  /** Prefix of the task definition families and the log group name. */
  readonly appName: string;
  readonly database: ResolvedDatabaseJobConfig;
  /** What every job of the stack shares (cluster, image, schedules' role and dead-letter queue, alert path). */
  readonly shared: JobsShared;
  /** The primary backup bucket and its data key (what the tasks write is encrypted with it). */
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** The operations key: the log group's (the data key encrypts backups only). */
  readonly logKey: kms.IKey;
  /** The VPC of `subnets`. */
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  /** Where the tasks may send HTTPS for the AWS APIs (JobsNetwork.awsApis, or anywhere in a database's own VPC). */
  readonly awsApis: readonly AwsApiDestination[];
  /** Of the log group. */
  readonly logRetention: logs.RetentionDays;
  /** The cluster's name as a literal, for the run-task commands. */
  readonly clusterName: string;
}

/** `/<appName>/jobs/<databaseId>`: fixed, because alerts and the runbook name it. */
export function jobsLogGroupName(appName: string, databaseId: string): string {
  return `/${appName}/jobs/${databaseId}`;
}

/**
 * Everything that backs up one database: its log group (encrypted with the backup key), a dump and a
 * verify JobTask, their security groups (the dump's may reach the database port, the verify's only
 * HTTPS: it restores into a throwaway PostgreSQL inside the task), the ingress rule on the database's
 * security group, and the task roles with exactly their job's rights.
 */
export class BackupJob extends Construct {
  readonly logGroup: logs.LogGroup;
  readonly dump: JobTask;
  readonly verify: JobTask;
  readonly dumpSecurityGroup: ec2.SecurityGroup;
  readonly verifySecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: BackupJobProps) {
    super(scope, id);
    const { database, appName } = props;
    const stack = Stack.of(this);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: jobsLogGroupName(appName, database.id),
      encryptionKey: props.logKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const port = database.connection.port;
    this.dumpSecurityGroup = new ec2.SecurityGroup(this, 'DumpSecurityGroup', {
      vpc: props.vpc,
      description: `pg-backup dump of ${database.id}: HTTPS to AWS APIs and PostgreSQL to the database; no inbound`,
      allowAllOutbound: false,
    });
    this.verifySecurityGroup = new ec2.SecurityGroup(this, 'VerifySecurityGroup', {
      vpc: props.vpc,
      description: `pg-backup verify of ${database.id}: HTTPS to AWS APIs only; no inbound`,
      allowAllOutbound: false,
    });
    for (const group of [this.dumpSecurityGroup, this.verifySecurityGroup]) {
      for (const api of props.awsApis) group.addEgressRule(api.peer, ec2.Port.tcp(443), api.description);
    }
    if (database.databaseSecurityGroupId) {
      const databaseGroup = ec2.SecurityGroup.fromSecurityGroupId(this, 'DatabaseSecurityGroup', database.databaseSecurityGroupId, {
        allowAllOutbound: false,
      });
      this.dumpSecurityGroup.addEgressRule(databaseGroup, ec2.Port.tcp(port), `PostgreSQL of ${database.id}`);
      // The only ingress this app adds anywhere: the database port, from this database's dump tasks.
      new ec2.CfnSecurityGroupIngress(this, 'DatabaseIngressFromDump', {
        groupId: database.databaseSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: port,
        toPort: port,
        sourceSecurityGroupId: this.dumpSecurityGroup.securityGroupId,
        description: `pg-backup dump tasks of ${database.id}`,
      });
    } else {
      for (const range of PRIVATE_IPV4_RANGES) {
        this.dumpSecurityGroup.addEgressRule(
          ec2.Peer.ipv4(range),
          ec2.Port.tcp(port),
          `PostgreSQL of ${database.id} at a private address (no databaseSecurityGroupId given)`,
        );
      }
    }

    const secret =
      'arn' in database.secret
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Secret', database.secret.arn)
        : secretsmanager.Secret.fromSecretNameV2(this, 'Secret', database.secret.name);
    const job = { databaseId: database.id, bucket: props.bucket.bucketName, kmsKeyId: props.key.keyArn, region: stack.region };
    const connection = database.connection;
    const dumpEnvironment = dumpTaskEnvironment({
      ...job,
      // GetSecretValue takes the full ARN or the name; only the reference is here, never the value.
      secretId: 'arn' in database.secret ? database.secret.arn : database.secret.name,
      sslMode: database.sslMode,
      location: connection,
      // Kept in each manifest, so a restore runs them on its target without a copy of this config.
      smokeQueries: database.smokeQueries,
    });
    const verifyEnvironment = verifyTaskEnvironment({ ...job, workDir: WORK_DIR, smokeQueries: database.smokeQueries });

    this.dump = new JobTask(this, 'Dump', {
      shared: props.shared,
      databaseId: database.id,
      job: 'dump',
      family: `${appName}-${database.id}-dump`,
      size: database.dumpTask,
      environment: dumpEnvironment,
      logGroup: this.logGroup,
      logGroupName: jobsLogGroupName(appName, database.id),
      schedule: database.dumpSchedule,
      subnets: props.subnets,
      securityGroup: this.dumpSecurityGroup,
      clusterName: props.clusterName,
    });
    this.verify = new JobTask(this, 'Verify', {
      shared: props.shared,
      databaseId: database.id,
      job: 'verify',
      family: `${appName}-${database.id}-verify`,
      size: database.verifyTask,
      ephemeralStorageGiB: database.verifyTask.ephemeralStorageGiB,
      environment: verifyEnvironment,
      logGroup: this.logGroup,
      logGroupName: jobsLogGroupName(appName, database.id),
      schedule: database.verifySchedule,
      subnets: props.subnets,
      securityGroup: this.verifySecurityGroup,
      clusterName: props.clusterName,
    });

    const dumpRole = this.dump.taskDefinition.taskRole;
    const backups = new BackupAccess(props.bucket, props.key);
    backups.grantDump(dumpRole, database.id);
    for (const statement of secret.grantRead(dumpRole).principalStatements) statement.sid = 'ReadOwnSecret';
    if (database.secretKeyArn) {
      dumpRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptOwnSecret',
          actions: ['kms:Decrypt'],
          resources: [database.secretKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    if ('rdsInstance' in connection) grantDescribeRdsInstance(dumpRole, stack, connection.rdsInstance);

    const verifyRole = this.verify.taskDefinition.taskRole;
    backups.grantVerify(verifyRole, database.id);

    const objectArn = (pattern: string) => props.bucket.arnForObjects(pattern);
    const prefixReason =
      "the wildcard is the backup-id part of this database's own keys (src/contract/layout.ts); backup ids are new for every run";
    for (const [role, patterns] of [
      [dumpRole, [...dumpWritePatterns(database.id).filter((p) => p.includes('*'))]],
      [
        verifyRole,
        [grantPatterns.databaseObjects(database.id), ...grantPatterns.verificationRecords(database.id).filter((p) => p.includes('*'))],
      ],
    ] as const) {
      const policy = role.node.findChild('DefaultPolicy');
      for (const pattern of patterns) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${objectArn(pattern)}]`,
          reason: `${pattern}: ${prefixReason}`,
        });
      }
      Validations.of(policy).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: `the ${role === dumpRole ? 'dump' : 'verify'} task's least-privilege statements for database ${database.id}, in a policy attached to its role only, created and deleted with it`,
      });
    }
  }
}
