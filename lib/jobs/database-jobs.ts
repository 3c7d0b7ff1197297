import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { grantPatterns } from '../../src/contract/layout.js';
import { dumpRunEnvironment, verifyRunEnvironment } from '../../src/contract/task-environment.js';
import type { ResolvedDatabaseJobConfig } from '../config/database-config.js';
import { gp3IopsFor } from '../config/fargate-task-size.js';
import type { ScheduleConfig } from '../config/schedule-config.js';
import { offsetCron, startOffsetMinutes } from '../config/schedule-config.js';
import { BackupAccess, dumpWritePatterns, grantDescribeRdsInstance } from '../storage/backup-access.js';
import { InlinePeer } from './inline-peer.js';
import { InlinePolicyRole } from './inline-policy-role.js';
import type { JobKind } from './job-kind.js';
import { CONTAINER_NAME, type JobTaskDefinition, WORK_VOLUME } from './job-task-definitions.js';
import type { AwsApiDestination } from './jobs-network.js';
import { RUN_TASK_TARGET_ARN, type ScheduledRunTask, scheduleName, TASK_TAGS } from './run-task-request.js';
import { ecsTasksPrincipal } from './task-trust.js';

/**
 * The private IPv4 ranges (RFC 1918): where the dump may reach the database port when no
 * databaseSecurityGroupId names the database's group, so a task can never send data to a public address
 * on that port (through a NAT of an existing VPC).
 */
export const PRIVATE_IPV4_RANGES: readonly string[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

/** What the schedules of a jobs stack share. */
export interface JobScheduling {
  /** The cluster's name: the RunTask requests name it. */
  readonly clusterName: string;
  readonly scheduleGroupName: string;
  /** The role Scheduler starts the tasks with (JobSchedulerRole). */
  readonly schedulerRole: iam.IRole;
  /** Receives schedule events that could not start a task after the retries. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly retryAttempts: number;
  /** Each database starts at its own offset inside this window (jobs.startWindowMinutes). */
  readonly startWindowMinutes: number;
}

/** Where a database's tasks run. */
export interface JobPlacement {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.ISubnet[];
  /** Where the tasks may send HTTPS for the AWS APIs (JobsNetwork.awsApis, or anywhere in a database's own VPC). */
  readonly awsApis: readonly AwsApiDestination[];
  /** The verify tasks' group of that VPC (HTTPS to the AWS APIs only), shared by its databases. */
  readonly verifySecurityGroup: ec2.ISecurityGroup;
}

export interface DatabaseJobsProps {
  readonly appName: string;
  readonly database: ResolvedDatabaseJobConfig;
  /** The primary backup bucket and its data key (what the tasks write is encrypted with it). */
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** The shared task definitions this database's jobs run. */
  readonly dumpDefinition: JobTaskDefinition;
  readonly verifyDefinition: JobTaskDefinition;
  readonly placement: JobPlacement;
  readonly scheduling: JobScheduling;
  /**
   * The ECS infrastructure role that manages EBS volumes: required when the verify definition works on a volume.
   * @default - no volume
   */
  readonly infrastructureRoleArn?: string;
}

/**
 * What must stay per database: a dump and a verify task role with exactly that job's rights on this
 * database's prefix (inline policies, no resources of their own), the dump's security group (the database
 * port of this database only) and the ingress rule on the database's group, and the two schedules. Each
 * schedule calls ECS RunTask through EventBridge Scheduler's universal target with the shared task
 * definition, the database's task role and environment as overrides, its network, and for a large
 * database an encrypted EBS volume.
 */
export class DatabaseJobs extends Construct {
  readonly dumpRole: iam.Role;
  readonly verifyRole: iam.Role;
  readonly dumpSecurityGroup: ec2.SecurityGroup;
  readonly dumpSchedule: scheduler.CfnSchedule;
  readonly verifySchedule: scheduler.CfnSchedule;
  /** The RunTask requests the schedules send (with tokens until deploy). */
  readonly dumpRequest: ScheduledRunTask;
  readonly verifyRequest: ScheduledRunTask;

  constructor(scope: Construct, id: string, props: DatabaseJobsProps) {
    super(scope, id);
    const { database, placement } = props;
    const stack = Stack.of(this);

    const port = database.connection.port;
    this.dumpSecurityGroup = new ec2.SecurityGroup(this, 'DumpSecurityGroup', {
      vpc: placement.vpc,
      description: `pg-backup dump of ${database.id}: HTTPS to AWS APIs and PostgreSQL to the database; no inbound`,
      allowAllOutbound: false,
    });
    for (const api of placement.awsApis) this.dumpSecurityGroup.addEgressRule(api.peer, ec2.Port.tcp(443), api.description);
    if (database.databaseSecurityGroupId) {
      this.dumpSecurityGroup.addEgressRule(
        InlinePeer.group(database.databaseSecurityGroupId, 'database'),
        ec2.Port.tcp(port),
        `PostgreSQL of ${database.id}`,
      );
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

    // The task roles: this database's prefix only, each with exactly its job's rights.
    const backups = new BackupAccess(props.bucket, props.key);
    const dump = new InlinePolicyRole(this, 'DumpRole', {
      description: `pg-backup dump of ${database.id}: write its own backups, read its secret`,
      assumedBy: ecsTasksPrincipal(stack),
      policyName: 'dump',
    });
    backups.grantDump(dump.grantee, database.id);
    const secret =
      'arn' in database.secret
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Secret', database.secret.arn)
        : secretsmanager.Secret.fromSecretNameV2(this, 'Secret', database.secret.name);
    for (const statement of secret.grantRead(dump.grantee).principalStatements) statement.sid = 'ReadOwnSecret';
    if (database.secretKeyArn) {
      dump.grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DecryptOwnSecret',
          actions: ['kms:Decrypt'],
          resources: [database.secretKeyArn],
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
        }),
      );
    }
    const connection = database.connection;
    if ('rdsInstance' in connection) grantDescribeRdsInstance(dump.grantee, stack, connection.rdsInstance);
    const verify = new InlinePolicyRole(this, 'VerifyRole', {
      description: `pg-backup verify of ${database.id}: read its own backups, write its verification records`,
      assumedBy: ecsTasksPrincipal(stack),
      policyName: 'verify',
    });
    backups.grantVerify(verify.grantee, database.id);
    this.dumpRole = dump.role;
    this.verifyRole = verify.role;
    acknowledgeTaskRole(dump.role, 'dump', database.id, [...dumpWritePatterns(database.id).filter((p) => p.includes('*'))], props.bucket);
    acknowledgeTaskRole(
      verify.role,
      'verify',
      database.id,
      [grantPatterns.databaseObjects(database.id), ...grantPatterns.verificationRecords(database.id).filter((p) => p.includes('*'))],
      props.bucket,
    );

    // What the schedules send.
    const request = (
      job: JobKind,
      definition: JobTaskDefinition,
      role: iam.IRole,
      securityGroup: ec2.ISecurityGroup,
      environment: Record<string, string>,
    ): ScheduledRunTask => ({
      Cluster: props.scheduling.clusterName,
      TaskDefinition: definition.family,
      LaunchType: 'FARGATE',
      Count: 1,
      StartedBy: database.id,
      Group: job,
      NetworkConfiguration: {
        AwsvpcConfiguration: {
          Subnets: placement.subnets.map((s) => s.subnetId),
          SecurityGroups: [securityGroup.securityGroupId],
          AssignPublicIp: 'DISABLED',
        },
      },
      Overrides: {
        TaskRoleArn: role.roleArn,
        ContainerOverrides: [{ Name: CONTAINER_NAME, Environment: Object.entries(environment).map(([Name, Value]) => ({ Name, Value })) }],
      },
      ...(definition.workOnVolume ? { VolumeConfigurations: [this.workVolume(props)] } : {}),
      Tags: [
        { Key: TASK_TAGS.database, Value: database.id },
        { Key: TASK_TAGS.job, Value: job },
      ],
      PropagateTags: 'TASK_DEFINITION',
      EnableECSManagedTags: true,
    });
    this.dumpRequest = request(
      'dump',
      props.dumpDefinition,
      dump.role,
      this.dumpSecurityGroup,
      dumpRunEnvironment({
        databaseId: database.id,
        // GetSecretValue takes the full ARN or the name; only the reference is here, never the value.
        secretId: 'arn' in database.secret ? database.secret.arn : database.secret.name,
        sslMode: database.sslMode,
        location: connection,
        // Kept in each manifest, so a restore runs them on its target without a copy of this config.
        smokeQueries: database.smokeQueries,
      }),
    );
    this.verifyRequest = request(
      'verify',
      props.verifyDefinition,
      verify.role,
      placement.verifySecurityGroup,
      verifyRunEnvironment({ databaseId: database.id, smokeQueries: database.smokeQueries }),
    );
    this.dumpSchedule = this.schedule('dump', database.dumpSchedule, this.dumpRequest, props);
    this.verifySchedule = this.schedule('verify', database.verifySchedule, this.verifyRequest, props);
  }

  private workVolume(props: DatabaseJobsProps): NonNullable<ScheduledRunTask['VolumeConfigurations']>[number] {
    const storage = props.database.verifyTask.storage;
    if (storage.kind !== 'volume' || !props.infrastructureRoleArn) {
      throw new Error(
        `${props.verifyDefinition.family} works on a volume, but database ${props.database.id} has no volume size or the stack no infrastructure role`,
      );
    }
    return {
      Name: WORK_VOLUME,
      ManagedEBSVolume: {
        SizeInGiB: storage.sizeGiB,
        VolumeType: 'gp3',
        Throughput: storage.throughputMiBps,
        Iops: gp3IopsFor(storage.throughputMiBps),
        Encrypted: true,
        KmsKeyId: props.key.keyArn,
        FilesystemType: 'ext4',
        RoleArn: props.infrastructureRoleArn,
        TerminationPolicy: { DeleteOnTermination: true },
      },
    };
  }

  private schedule(
    job: JobKind,
    config: Required<ScheduleConfig>,
    request: ScheduledRunTask,
    props: DatabaseJobsProps,
  ): scheduler.CfnSchedule {
    const { scheduling, database } = props;
    const offset = startOffsetMinutes(database.id, scheduling.startWindowMinutes);
    const moved = offsetCron(config.cron, offset);
    // validateStartOffsets refused the stage already; this only guards a caller that skipped validation.
    if ('problem' in moved) throw new Error(`databases ${database.id}: ${job} cron '${config.cron}' ${moved.problem}`);
    return new scheduler.CfnSchedule(this, job === 'dump' ? 'DumpSchedule' : 'VerifySchedule', {
      name: scheduleName(database.id, job),
      groupName: scheduling.scheduleGroupName,
      description: `pg-backup ${job} of ${database.id}: cron ${config.cron} (${config.timeZone}) plus its start offset of ${offset} minutes`,
      scheduleExpression: `cron(${moved.cron})`,
      scheduleExpressionTimezone: config.timeZone,
      flexibleTimeWindow: { mode: 'OFF' },
      state: 'ENABLED',
      target: {
        arn: RUN_TASK_TARGET_ARN,
        roleArn: scheduling.schedulerRole.roleArn,
        input: Stack.of(this).toJsonString(request),
        // Scheduler retries a RunTask call that fails (throttled, a 5xx, refused) with back-off, then gives up to the queue.
        retryPolicy: { maximumRetryAttempts: scheduling.retryAttempts, maximumEventAgeInSeconds: Duration.hours(2).toSeconds() },
        deadLetterConfig: { arn: scheduling.deadLetterQueue.queueArn },
      },
    });
  }
}

/** The cdk-nag acknowledgements of a task role's inline policy: the backup-id wildcards of its own prefix. */
function acknowledgeTaskRole(
  role: iam.Role,
  job: JobKind,
  databaseId: string,
  wildcardPatterns: readonly string[],
  bucket: s3.IBucket,
): void {
  const reason =
    "the wildcard is the backup-id part of this database's own keys (src/contract/layout.ts); backup ids are new for every run";
  for (const pattern of wildcardPatterns) {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${bucket.arnForObjects(pattern)}]`,
      reason: `${pattern}: ${reason}`,
    });
  }
  Validations.of(role).acknowledge({
    id: 'NIST.800.53.R5-IAMNoInlinePolicy',
    reason: `the ${job} task's least-privilege statements for database ${databaseId}, inside its own role (a resource per policy would cost two hundred databases four hundred resources), created and deleted with it`,
  });
}
