import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { alarmName } from '../alerts/alarm-names.js';
import { ALERT_PUBLISHERS, alertPublisherRoleName } from '../alerts/alert-publishers.js';
import { type AlertTopic, alertTopicArn } from '../alerts/alert-topic.js';
import type { ResolvedDatabaseJobConfig } from '../config/database-config.js';
import type { ResolvedJobsConfig } from '../config/jobs-config.js';
import type { ExistingNetworkConfig, NewNetworkConfig } from '../config/network-config.js';
import { BackupJob } from '../jobs/backup-job.js';
import type { JobsShared } from '../jobs/job-task.js';
import { AWS_APIS_ANYWHERE, JobsNetwork } from '../jobs/jobs-network.js';

export interface JobsStackProps extends StackProps {
  /** Prefix of the cluster name, task definition families and log group names. */
  readonly appName: string;
  /** The databases that have a connection (monitoring-only databases get no tasks). */
  readonly databases: readonly ResolvedDatabaseJobConfig[];
  readonly network: ExistingNetworkConfig | Required<NewNetworkConfig>;
  /** The `jobs` section of the stage, defaults applied: CPU architecture, log retention, retries. */
  readonly jobsConfig: ResolvedJobsConfig;
  /**
   * Name of the primary backup bucket (deterministic: backupBucketName()), so the task policies name
   * it literally and reviewers (and cdk-nag) read real ARNs.
   */
  readonly backupBucketName: string;
  /** Its data key: what the tasks write is encrypted with it. */
  readonly backupKey: kms.IKey;
  /** The operations key: the log groups and the dead-letter queue (its policy lets CloudWatch Logs use it). */
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
 * `<appName>-jobs`, in the primary region: the ECS cluster (Container Insights), the pg-backup image
 * built from the repository's Dockerfile, and per database a BackupJob (scheduled dump and verify on
 * Fargate, least-privilege task roles, encrypted logs, failure alerts). Separate from the storage
 * stacks, which hold the stateful keys and buckets under termination protection.
 */
export class JobsStack extends Stack {
  readonly cluster: ecs.Cluster;
  readonly network: JobsNetwork;
  readonly deadLetterQueue: sqs.Queue;
  /** Each database's BackupJob, by database id. */
  readonly backupJobs: ReadonlyMap<string, BackupJob>;

  constructor(scope: Construct, id: string, props: JobsStackProps) {
    super(scope, id, props);
    const { appName } = props;
    const bucket = s3.Bucket.fromBucketName(this, 'Backups', props.backupBucketName);

    this.network = new JobsNetwork(this, 'Network', {
      network: props.network,
      logKey: props.operationsKey,
      logRetention: props.jobsConfig.logRetention,
    });
    this.cluster = new ecs.Cluster(this, 'Cluster', {
      clusterName: `${appName}-jobs`,
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
      alarmDescription: `${appName}: a scheduled dump or verify could not be started (EventBridge Scheduler gave up); see the dead-letter queue`,
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

    // EventBridge publishes failed-task alerts with this role, so the storage stack's topic policy stays as it is.
    const alertRole = new iam.Role(this, 'FailedTaskAlertRole', {
      // Fixed: the alert topic admits publishers by name (lib/alerts/alert-publishers.ts).
      roleName: alertPublisherRoleName(appName, this.region, ALERT_PUBLISHERS.failedTasks),
      description: `${appName}: EventBridge rules publishing failed dump and verify tasks to the alert topic`,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
    });
    props.alerts.grantPublish(alertRole);

    // One role for every schedule: ecs:RunTask on these task definitions, iam:PassRole of their roles, the dead-letter queue.
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: `${appName}: EventBridge Scheduler starting the dump and verify tasks`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    });

    // SendMessage to the KMS-encrypted dead-letter queue needs a data key; through SQS only.
    schedulerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptDeadLetters',
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [props.operationsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${this.region}.amazonaws.com` } },
      }),
    );

    const shared: JobsShared = {
      cluster: this.cluster,
      schedulerRole,
      image,
      cpuArchitecture: props.jobsConfig.cpuArchitecture,
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.jobsConfig.retryAttempts,
      // The rule targets see the topic without its key, so EventBridge's own grant cannot widen the role's;
      // the role gets the key for this topic's messages only (AlertTopic.grantPublish).
      alertTopic: sns.Topic.fromTopicArn(this, 'AlertTopic', alertTopicArn(this, appName)),
      alertRole,
    };
    const backupJobs = new Map<string, BackupJob>();
    for (const database of props.databases) {
      const placement = database.placement;
      const job = new BackupJob(this, `Database-${database.id}`, {
        appName,
        database,
        shared,
        bucket,
        key: props.backupKey,
        logKey: props.operationsKey,
        vpc: placement ? this.network.importVpc(`Vpc-${database.id}`, placement.vpcId) : this.network.vpc,
        subnets: placement ? this.network.importSubnets(`Subnets-${database.id}`, placement.subnetIds) : this.network.subnets,
        // A database's own VPC names no endpoint group: its tasks reach AWS through whatever that VPC routes.
        awsApis: placement ? AWS_APIS_ANYWHERE : this.network.awsApis,
        logRetention: props.jobsConfig.logRetention,
        clusterName: `${appName}-jobs`,
      });
      backupJobs.set(database.id, job);
      const out = (name: string, value: string, description: string) =>
        new CfnOutput(this, `${name}${pascal(database.id)}`, { value, description });
      out('DumpNow', job.dump.runTaskCommand, `Start a dump of ${database.id} now`);
      out('VerifyNow', job.verify.runTaskCommand, `Start a verify of ${database.id}'s latest backup now`);
      out('DumpTaskDefinition', job.dump.taskDefinition.taskDefinitionArn, `Dump task definition of ${database.id}`);
      out('VerifyTaskDefinition', job.verify.taskDefinition.taskDefinitionArn, `Verify task definition of ${database.id}`);
      out('LogGroup', job.logGroup.logGroupName, `Logs of ${database.id}'s dump (streams dump/...) and verify (verify/...)`);
    }
    this.backupJobs = backupJobs;

    const inlineReason = (what: string) =>
      `${what}: least-privilege statements in a policy attached to this one role only, created and deleted with it; nothing else could reuse a managed copy`;
    Validations.of(schedulerRole.node.findChild('DefaultPolicy')).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason: inlineReason("the schedules' ecs:RunTask, iam:PassRole and dead-letter grants"),
    });
    const alertPolicy = alertRole.node.tryFindChild('DefaultPolicy');
    if (alertPolicy) {
      Validations.of(alertPolicy).acknowledge({
        id: 'NIST.800.53.R5-IAMNoInlinePolicy',
        reason: inlineReason('sns:Publish to the alert topic and its key'),
      });
      Validations.of(alertPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "publishing to the KMS-encrypted alert topic needs data keys; the statement names only the topic's key, through SNS (kms:ViaService) for this topic's messages (kms:EncryptionContext:aws:sns:topicArn)",
      });
    }

    new CfnOutput(this, 'ClusterName', { value: this.cluster.clusterName, description: 'ECS cluster of the dump and verify tasks' });
    new CfnOutput(this, 'ScheduleDeadLetterQueueUrl', {
      value: this.deadLetterQueue.queueUrl,
      description: 'Schedule events that could not start a task',
    });
  }
}

function pascal(id: string): string {
  return id
    .split('-')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}
