import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { alarmName } from '../alerts/alarm-names.js';
import { ALERT_PUBLISHERS, alertPublisherRoleName } from '../alerts/alert-publishers.js';
import { type AlertTopic, alertTopicArn } from '../alerts/alert-topic.js';
import type { ResolvedDatabaseJobConfig } from '../config/database-config.js';
import type { ResolvedJobsConfig } from '../config/jobs-config.js';
import type { ExistingNetworkConfig, NewNetworkConfig } from '../config/network-config.js';
import type { JobPlacement } from '../jobs/database-jobs.js';
import { DatabaseJobsGroup } from '../jobs/database-jobs-group.js';
import { FailedTaskAlert } from '../jobs/failed-task-alert.js';
import { JobTaskDefinitions, jobsLogGroupName } from '../jobs/job-task-definitions.js';
import { JobsNetwork, verifySecurityGroup } from '../jobs/jobs-network.js';
import { runNowCommand } from '../jobs/run-task-command.js';
import { scheduleGroupName } from '../jobs/run-task-request.js';
import { VolumeInfrastructureRole } from '../jobs/volume-infrastructure-role.js';

export interface JobsStackProps extends StackProps {
  /** Prefix of the cluster name, task definition families, the schedule group and the log group name. */
  readonly appName: string;
  /** Every database of the stage with a connection: the task definitions serve them all (those of later jobs stacks too). */
  readonly allDatabases: readonly ResolvedDatabaseJobConfig[];
  /** The databases whose roles, security groups and schedules live in this stack (the first `jobs.databasesPerStack`). */
  readonly databases: readonly ResolvedDatabaseJobConfig[];
  readonly network: ExistingNetworkConfig | Required<NewNetworkConfig>;
  /** The `jobs` section of the stage, defaults applied: CPU architecture, log retention, retries, start window. */
  readonly jobsConfig: ResolvedJobsConfig;
  /**
   * Name of the primary backup bucket (deterministic: backupBucketName()), so the task policies name
   * it literally and reviewers (and cdk-nag) read real ARNs.
   */
  readonly backupBucketName: string;
  /** Its data key: what the tasks write is encrypted with it, and the EBS volumes of large verifies. */
  readonly backupKey: kms.IKey;
  /** The operations key: the log group and the dead-letter queue (its policy lets CloudWatch Logs use it). */
  readonly operationsKey: kms.IKey;
  /** Where failed tasks and undeliverable schedules are reported. */
  readonly alerts: AlertTopic;
  /** The folder with the Dockerfile (the repository root). */
  readonly imageDirectory: string;
  /**
   * The image the tasks run instead of the one built from `imageDirectory`: for an emulator with no
   * Docker engine to build it (tools/local/deploy-to-moto.ts), never for AWS.
   * @default - built from the Dockerfile in `imageDirectory` (a DockerImageAsset pushed to the bootstrap ECR repository)
   */
  readonly image?: ecs.ContainerImage;
}

/**
 * `<appName>-jobs`, in the primary region: what every database's jobs share (the network, the ECS cluster,
 * the image, one task definition per job kind and size, the execution role, the log group, the schedule
 * group, the dead-letter queue and its alarm, one failed-task alert for the cluster, and the infrastructure
 * role of large verifies), plus the per-database pieces (DatabaseJobsGroup) of the first
 * `jobs.databasesPerStack` databases; JobsShardStack holds the next ones. Separate from the storage stacks,
 * which hold the stateful keys and buckets under termination protection.
 */
export class JobsStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly network: JobsNetwork;
  readonly definitions: JobTaskDefinitions;
  readonly deadLetterQueue: sqs.Queue;
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly failedTaskAlert: FailedTaskAlert;
  /** What the databases of this and later jobs stacks run in, in the app network. */
  readonly groupNetwork: JobPlacement;
  readonly infrastructureRole?: VolumeInfrastructureRole;
  /** The databases of this stack. */
  readonly group: DatabaseJobsGroup;
  readonly clusterName: string;
  readonly scheduleGroupName: string;
  private readonly props: JobsStackProps;

  constructor(scope: Construct, id: string, props: JobsStackProps) {
    super(scope, id, props);
    this.props = props;
    const { appName } = props;
    this.clusterName = `${appName}-jobs`;
    this.scheduleGroupName = scheduleGroupName(appName);

    this.network = new JobsNetwork(this, 'Network', {
      network: props.network,
      logKey: props.operationsKey,
      logRetention: props.jobsConfig.logRetention,
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: this.clusterName,
      vpc: this.network.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const arm = props.jobsConfig.cpuArchitecture === 'ARM64';
    const image =
      props.image ??
      ecs.ContainerImage.fromDockerImageAsset(
        new ecrAssets.DockerImageAsset(this, 'Image', {
          directory: props.imageDirectory,
          platform: arm ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
          // Base images by digest and the RDS CA bundle by checksum, when the stage pins them.
          ...(Object.keys(props.jobsConfig.imageBuildArgs).length > 0 ? { buildArgs: { ...props.jobsConfig.imageBuildArgs } } : {}),
        }),
      );

    this.definitions = new JobTaskDefinitions(this, 'TaskDefinitions', {
      appName,
      image,
      cpuArchitecture: props.jobsConfig.cpuArchitecture,
      stage: { bucket: props.backupBucketName, kmsKeyId: props.backupKey.keyArn, region: this.region },
      logKey: props.operationsKey,
      logRetention: props.jobsConfig.logRetention,
    });
    // Every task definition the stage's databases need, here, where they are shared.
    for (const database of props.allDatabases) {
      this.definitions.dump(database.dumpTask);
      this.definitions.verify(database.verifyTask, database.verifyTask.storage);
    }
    this.definitions.acknowledgeExecutionPolicy();

    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', { name: this.scheduleGroupName });

    this.deadLetterQueue = new sqs.Queue(this, 'ScheduleDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.operationsKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason: 'this queue is itself the dead-letter queue of the EventBridge Scheduler schedules; an alarm on its depth alerts the team',
      },
      {
        id: 'NIST.800.53.R5-SQSQueueDLQ',
        reason: 'this queue is itself the dead-letter queue of the EventBridge Scheduler schedules; an alarm on its depth alerts the team',
      },
    );
    const deadLettersAlarm = new cloudwatch.Alarm(this, 'ScheduleDeadLettersAlarm', {
      alarmName: alarmName(appName, 'schedule-dead-letters'),
      alarmDescription: `${appName}: a scheduled dump or verify could not be started (EventBridge Scheduler gave up after its retries); see the dead-letter queue`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // OK too: on-call learns the queue was drained (PgBackup-AlarmNotifiesBothWays).
    const alertAction = new cloudwatchActions.SnsAction(props.alerts.topic);
    deadLettersAlarm.addAlarmAction(alertAction);
    deadLettersAlarm.addOkAction(alertAction);

    // EventBridge publishes failed-task alerts with this role: the alert topic admits it by its fixed name.
    const alertRole = new iam.Role(this, 'FailedTaskAlertRole', {
      // Fixed: the alert topic admits publishers by name (lib/alerts/alert-publishers.ts).
      roleName: alertPublisherRoleName(appName, this.region, ALERT_PUBLISHERS.failedTasks),
      description: `${appName}: EventBridge rule publishing failed dump and verify tasks to the alert topic`,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
    });
    props.alerts.grantPublish(alertRole);
    this.failedTaskAlert = new FailedTaskAlert(this, 'FailedTaskAlert', {
      clusterArn: this.cluster.clusterArn,
      clusterName: this.clusterName,
      scheduleGroupName: this.scheduleGroupName,
      logGroupName: jobsLogGroupName(appName),
      // The rule's target sees the topic without its key, so EventBridge's own grant cannot widen the role's;
      // the role gets the key for this topic's messages only (AlertTopic.grantPublish).
      alertTopic: sns.Topic.fromTopicArn(this, 'AlertTopic', alertTopicArn(this, appName)),
      alertRole,
    });
    const alertPolicy = alertRole.node.tryFindChild('DefaultPolicy');
    if (alertPolicy) {
      Validations.of(alertPolicy).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason:
          'sns:Publish to the alert topic and its key: least-privilege statements in a policy attached to this one role only, created and deleted with it',
      });
      Validations.of(alertPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "publishing to the KMS-encrypted alert topic needs data keys; the statement names only the topic's key, through SNS (kms:ViaService) for this topic's messages (kms:EncryptionContext:aws:sns:topicArn)",
      });
    }

    if (props.allDatabases.some((d) => d.verifyTask.storage.kind === 'volume')) {
      this.infrastructureRole = new VolumeInfrastructureRole(this, 'VolumeInfrastructureRole', { appName, volumeKey: props.backupKey });
    }
    this.groupNetwork = {
      vpc: this.network.vpc,
      subnets: this.network.subnets,
      awsApis: this.network.awsApis,
      verifySecurityGroup: verifySecurityGroup(this, 'VerifySecurityGroup', this.network.vpc, this.network.awsApis),
    };
    this.group = this.databaseGroup(this, props.databases);

    new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName, description: 'ECS cluster of the dump and verify tasks' });
    new CfnOutput(this, 'ScheduleGroupName', {
      value: this.scheduleGroupName,
      description: 'EventBridge Scheduler group of the jobs: schedules <database-id>-dump and <database-id>-verify',
    });
    new CfnOutput(this, 'JobsLogGroup', {
      value: this.definitions.logGroup.logGroupName,
      description:
        'Logs of every dump (streams dump/...) and verify (verify/...); the runs of one database: aws ecs list-tasks --started-by <database-id>',
    });
    new CfnOutput(this, 'RunNowCommand', {
      value: runNowCommand({ region: this.region, scheduleGroup: this.scheduleGroupName, scheduleName: '<database-id>-<dump|verify>' }),
      description: 'Starts a job now exactly as its schedule would (replace the schedule name)',
    });
    new CfnOutput(this, 'ScheduleDeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'Schedule events that could not start a task',
    });
  }

  /** The per-database pieces of `databases`, in `scope` (this stack, or a JobsShardStack). */
  databaseGroup(scope: Construct, databases: readonly ResolvedDatabaseJobConfig[]): DatabaseJobsGroup {
    const { props } = this;
    const group = new DatabaseJobsGroup(scope, 'Databases', {
      appName: props.appName,
      databases,
      bucket: s3.Bucket.fromBucketName(scope, 'Backups', props.backupBucketName),
      key: props.backupKey,
      definitions: this.definitions,
      network: this.groupNetwork,
      clusterName: this.clusterName,
      scheduleGroupName: this.scheduleGroupName,
      deadLetterQueue: this.deadLetterQueue,
      deadLetterKey: props.operationsKey,
      retryAttempts: props.jobsConfig.retryAttempts,
      startWindowMinutes: props.jobsConfig.startWindowMinutes,
      ...(this.infrastructureRole ? { infrastructureRoleArn: this.infrastructureRole.role.roleArn } : {}),
    });
    // Schedules name the group by its name: it must exist first.
    for (const job of group.jobs.values()) {
      if (Stack.of(scope) === this) {
        job.dumpSchedule.addResourceDependency(this.scheduleGroup);
        job.verifySchedule.addResourceDependency(this.scheduleGroup);
      }
    }
    return group;
  }

  /** The subnets of the app network (for callers that render run commands). */
  get subnets(): ec2.ISubnet[] {
    return this.network.subnets;
  }
}
