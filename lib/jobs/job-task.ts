import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { TaskSizeConfig } from '../config/fargate-task-size.js';
import type { CpuArchitecture } from '../config/jobs-config.js';
import type { ScheduleConfig } from '../config/schedule-config.js';
import { logGroupConsoleUrl, runTaskCommand } from './run-task-command.js';

/** The two jobs of a database. */
export type JobKind = 'dump' | 'verify';

/**
 * Where the container may write: a Fargate bind mount (the task's ephemeral storage) over /tmp, the rest of
 * its file system read-only. The image declares `VOLUME ["/tmp"]`, so ECS copies /tmp's mode (1777) from it.
 */
export const WORK_DIR = '/tmp';

/**
 * Restricts a role's `ecs-tasks.amazonaws.com` trust to tasks of this account and region (the confused-deputy
 * conditions of the ECS developer guide's task IAM role page): ECS passes the task's ARN and account as
 * `aws:SourceArn` and `aws:SourceAccount` when it assumes the role.
 */
function trustOnlyTasksOf(role: iam.IRole, stack: Stack): void {
  const cfn = role.node.defaultChild as iam.CfnRole;
  // The role's one trust statement, written by CDK from `assumedBy`: conditions added in place keep the role's logical id.
  cfn.addPropertyOverride('AssumeRolePolicyDocument.Statement.0.Condition', {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${stack.region}:${stack.account}:*` },
  });
}

/** What every job of the stack shares: the cluster, the image, the schedules' plumbing and the alert path. */
export interface JobsShared {
  readonly cluster: ecs.ICluster;
  readonly image: ecs.ContainerImage;
  readonly cpuArchitecture: CpuArchitecture;
  /** Receives schedule events that could not start a task after the retries. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly retryAttempts: number;
  /** Where the failed-task rule sends its message. */
  readonly alertTopic: sns.ITopic;
  /** The role EventBridge publishes to the alert topic with. */
  readonly alertRole: iam.IRole;
  /** The role EventBridge Scheduler starts tasks with. */
  readonly schedulerRole: iam.IRole;
}

export interface JobTaskProps {
  readonly shared: JobsShared;
  readonly databaseId: string;
  readonly job: JobKind;
  /** Task definition family: part of the run-task command, so a fixed name. */
  readonly family: string;
  readonly size: TaskSizeConfig;
  /** @default - Fargate's 20 GiB */
  readonly ephemeralStorageGiB?: number;
  /** Non-secret settings only (PG_BACKUP_*): the secret is read by ARN at runtime. */
  readonly environment: Record<string, string>;
  readonly logGroup: logs.ILogGroup;
  /** Its name as a literal, for the alert text and console link. */
  readonly logGroupName: string;
  readonly schedule: Required<ScheduleConfig>;
  readonly subnets: ec2.ISubnet[];
  readonly securityGroup: ec2.ISecurityGroup;
  /** The cluster's name as a literal, for the run-task command. */
  readonly clusterName: string;
}

/**
 * One job of one database: a Fargate task definition running `pg-backup <job>` from the image, an
 * EventBridge Scheduler schedule that starts it (retries, encrypted dead-letter queue), and a rule
 * that tells the alert topic when a run stops with a non-zero exit code or fails to start.
 * The task role is empty here: BackupJob grants it exactly what the job needs.
 */
export class JobTask extends Construct {
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly schedule: scheduler.Schedule;
  readonly failedRule: events.Rule;
  /** `aws ecs run-task ...` that starts this job now, with the network of the schedule. */
  readonly runTaskCommand: string;

  constructor(scope: Construct, id: string, props: JobTaskProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { shared, job, databaseId } = props;

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      family: props.family,
      cpu: props.size.vcpu * 1024,
      memoryLimitMiB: props.size.memoryGiB * 1024,
      ...(props.ephemeralStorageGiB !== undefined ? { ephemeralStorageGiB: props.ephemeralStorageGiB } : {}),
      runtimePlatform: {
        cpuArchitecture: shared.cpuArchitecture === 'ARM64' ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    this.taskDefinition.addVolume({ name: 'work' });
    const container = this.taskDefinition.addContainer('pg-backup', {
      image: shared.image,
      command: [job],
      essential: true,
      environment: props.environment,
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: job }),
      readonlyRootFilesystem: true,
    });
    container.addMountPoints({ sourceVolume: 'work', containerPath: WORK_DIR, readOnly: false });
    for (const role of [this.taskDefinition.taskRole, this.taskDefinition.executionRole]) {
      if (role) trustOnlyTasksOf(role, stack);
    }
    const executionPolicy = this.taskDefinition.executionRole?.node.tryFindChild('DefaultPolicy');
    if (executionPolicy) {
      Validations.of(executionPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken supports no resource ARN; the image pull itself (BatchGetImage, GetDownloadUrlForLayer) names only the asset repository',
      });
      Validations.of(executionPolicy).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          "the execution role's own statements (pull this image, write this log group) in a policy attached to that role only, created and deleted with it",
      });
    }
    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason:
        "the environment holds only non-secret settings (database id, bucket, key ARN, instance name, the secret's ARN); the CLI reads the credentials from Secrets Manager at runtime",
    });

    this.runTaskCommand = runTaskCommand({
      region: stack.region,
      cluster: props.clusterName,
      family: props.family,
      subnetIds: props.subnets.map((s) => s.subnetId),
      securityGroupId: props.securityGroup.securityGroupId,
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `pg-backup ${job} of ${databaseId}`,
      schedule: scheduler.ScheduleExpression.expression(`cron(${props.schedule.cron})`, TimeZone.of(props.schedule.timeZone)),
      target: new schedulerTargets.EcsRunFargateTask(shared.cluster, {
        taskDefinition: this.taskDefinition,
        vpcSubnets: { subnets: props.subnets },
        securityGroups: [props.securityGroup],
        assignPublicIp: false,
        deadLetterQueue: shared.deadLetterQueue,
        retryAttempts: shared.retryAttempts,
        maxEventAge: Duration.hours(2),
        role: shared.schedulerRole,
      }),
    });

    const taskDefinitionPrefix = stack.formatArn({ service: 'ecs', resource: 'task-definition', resourceName: `${props.family}:` });
    const field = (path: string) => events.EventField.fromPath(path);
    this.failedRule = new events.Rule(this, 'FailedRule', {
      description: `pg-backup ${job} of ${databaseId}: a task stopped with a non-zero exit code or failed to start`,
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          clusterArn: [shared.cluster.clusterArn],
          lastStatus: ['STOPPED'],
          // Every revision of this family, also runs started by hand with an older one.
          taskDefinitionArn: [{ prefix: taskDefinitionPrefix }],
          $or: [{ containers: { exitCode: [{ 'anything-but': 0 }] } }, { stopCode: ['TaskFailedToStart'] }],
        },
      },
    });
    this.failedRule.addTarget(
      new eventsTargets.SnsTopic(shared.alertTopic, {
        authorizeUsingRole: true,
        role: shared.alertRole,
        message: events.RuleTargetInput.fromText(
          [
            `pg-backup ${job} of database ${databaseId} FAILED in ${stack.region}.`,
            `Exit code: ${field('$.detail.containers[0].exitCode')} (${job === 'verify' ? '2 = the backup failed verification, 1 = verify could not run' : '1 = the dump failed'}); stop code: ${field('$.detail.stopCode')}; reason: ${field('$.detail.stoppedReason')}.`,
            `Task: ${field('$.detail.taskArn')} (stopped ${field('$.detail.stoppedAt')}).`,
            `Logs: log group ${props.logGroupName}, stream ${job}/pg-backup/TASK_ID (the last part of the task ARN): ${logGroupConsoleUrl(stack.region, props.logGroupName)}`,
            `Run it again now: ${this.runTaskCommand}`,
          ].join('\n'),
        ),
      }),
    );
  }
}
