import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FRESHNESS_FUNCTION_ENV, type FreshnessDatabase } from '../../src/contract/freshness/function-environment.js';
import { backupsPrefix } from '../../src/contract/layout.js';
import { METRIC_NAMESPACE } from '../../src/contract/metrics.js';
import { ALERT_PUBLISHERS, alertPublisherRoleName } from '../alerts/alert-publishers.js';
import type { AlertTopic } from '../alerts/alert-topic.js';
import { BackupAccess, grantDescribeRdsInstances } from '../storage/backup-access.js';
import { protectKey } from '../storage/key-protection.js';
import { allowThisAccountsLogGroups } from '../storage/log-group-encryption.js';
import { protectedPrincipals } from '../storage/protected-principals.js';

export interface FreshnessFunctionProps {
  /** The bucket whose pointer documents are read (only those). */
  readonly backupBucket: s3.IBucket;
  /** The key the bucket's objects are encrypted with. */
  readonly backupKey: kms.IKey;
  /** Where alerts go (e-mail, AWS Chatbot). */
  readonly alerts: AlertTopic;
  /** Every database to watch, with its limits and runbook commands. */
  readonly databases: readonly FreshnessDatabase[];
  /** How often the check runs. */
  readonly checkEvery: Duration;
  /** Repeat an unresolved alert after this long. */
  readonly reminderEvery: Duration;
  /** @default 90 days */
  readonly logRetention?: logs.RetentionDays;
  /** The break-glass role: with CloudFormation, the only one that may end the function's key (its alert memory and logs). */
  readonly breakGlassRoleName: string;
  /** The function's role name: fixed (freshnessRoleName()), so the vault's bucket policy can name it. */
  readonly roleName: string;
  /**
   * The second copy to compare with: each backup's dump must appear there within `maxLag`.
   * @default - the replica is not compared
   */
  readonly replica?: { readonly bucketName: string; readonly region: string; readonly maxLag: Duration };
}

/**
 * `<appName>-freshness-<region>`: the freshness check's role, which the vault's bucket policy admits to list copies
 * and the alert topic admits as a publisher.
 */
export function freshnessRoleName(appName: string, region: string): string {
  return alertPublisherRoleName(appName, region, ALERT_PUBLISHERS.freshnessCheck);
}

/**
 * The scheduled freshness check: a Node 24 ARM Lambda (bundled by esbuild from
 * lambda/freshness/handler.ts) with one concurrent run, encrypted logs, and its alert memory in
 * a small encrypted DynamoDB table, so it speaks on changes of state rather than every run.
 */
export class FreshnessFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly stateTable: dynamodb.TableV2;
  readonly schedule: events.Rule;
  /** Encrypts the logs and the alert state. */
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: FreshnessFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.key = new kms.Key(this, 'Key', {
      description: 'pg-backup freshness check: logs and alert state',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Ending this key would blind the check: protected like the storage keys.
    protectKey(this.key, protectedPrincipals(this, props.breakGlassRoleName));
    allowThisAccountsLogGroups(this.key);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      encryptionKey: this.key,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stateTable = new dynamodb.TableV2(this, 'AlertState', {
      partitionKey: { name: 'databaseId', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(this.key),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    });

    const role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: 'pg-backup freshness check: reads pointer documents, lists copies in the replica, publishes metrics and alerts',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaBasicExecutionRole')],
    });
    this.function = new NodejsFunction(this, 'Function', {
      role,
      description: 'pg-backup freshness check: backup and verification age, size anomalies, alerts',
      entry: path.join(import.meta.dirname, '../../lambda/freshness/handler.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(2),
      // One run at a time: two overlapping runs could both announce the same change of state.
      reservedConcurrentExecutions: 1,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      bundling: {
        format: OutputFormat.CJS,
        target: 'node24',
        minify: true,
        sourceMap: true,
        // Bundle the SDK clients too: the versions we tested, not whatever the runtime ships.
        externalModules: [],
      },
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        [FRESHNESS_FUNCTION_ENV.bucket]: props.backupBucket.bucketName,
        [FRESHNESS_FUNCTION_ENV.topicArn]: props.alerts.topic.topicArn,
        [FRESHNESS_FUNCTION_ENV.stateTable]: this.stateTable.tableName,
        [FRESHNESS_FUNCTION_ENV.reminderEverySeconds]: String(props.reminderEvery.toSeconds()),
        [FRESHNESS_FUNCTION_ENV.functionLogGroupName]: this.logGroup.logGroupName,
        [FRESHNESS_FUNCTION_ENV.databases]: stack.toJsonString(props.databases),
        ...(props.replica
          ? {
              [FRESHNESS_FUNCTION_ENV.replicaBucket]: props.replica.bucketName,
              [FRESHNESS_FUNCTION_ENV.replicaRegion]: props.replica.region,
              [FRESHNESS_FUNCTION_ENV.maxReplicaLagSeconds]: String(props.replica.maxLag.toSeconds()),
            }
          : {}),
      },
    });

    // The two pointer documents of each configured database, never a dump (lib/storage/backup-access.ts).
    new BackupAccess(props.backupBucket, props.backupKey).grantReadPointers(
      role,
      props.databases.map((d) => d.id),
    );
    // The automated-backup state (point-in-time recovery) of the RDS instances it watches, and no other.
    const rdsInstances = props.databases.flatMap((d) => (d.pointInTimeRecovery ? [d.pointInTimeRecovery.rdsInstance] : []));
    if (rdsInstances.length > 0) grantDescribeRdsInstances(role, stack, [...new Set(rdsInstances)], 'DescribeWatchedRdsInstances');
    if (props.replica) {
      // Listings of the replica's backups, never an object or its key: the check sees that a copy exists and its
      // size, and could not read a backup from the replica if it tried (src/contract/freshness/replica-copies.ts).
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ListCopiesInTheReplica',
          actions: ['s3:ListBucket'],
          resources: [`arn:${stack.partition}:s3:::${props.replica.bucketName}`],
          conditions: { StringLike: { 's3:prefix': props.databases.map((d) => `${backupsPrefix(d.id)}*`) } },
        }),
      );
    }
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'PublishFreshnessMetrics',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': METRIC_NAMESPACE } },
      }),
    );
    props.alerts.grantPublish(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadWriteAlertState',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [this.stateTable.tableArn],
      }),
    );
    // The alert state's key, through DynamoDB only.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseAlertStateKeyThroughDynamoDb',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
      }),
    );

    const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
    Validations.of(policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'cloudwatch:PutMetricData supports no resource ARNs; the statement is limited to the PgBackup namespace by condition',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          "publishing to the encrypted alert topic and writing the encrypted alert state need data keys; scoped to those two key ARNs, the topic's through SNS for its messages only",
      },
    );
    Validations.of(policy).acknowledge({
      id: 'NIST.800.53.R5-IAMNoInlinePolicy',
      reason:
        "the grants above are this function's own least-privilege statements in a policy attached to its role only, created and deleted with it; nothing else could reuse a managed copy",
    });
    Validations.of(this.function).acknowledge(
      {
        id: 'NIST.800.53.R5-LambdaDLQ',
        reason:
          'the only invoker is the schedule (EventBridge retries twice); a failed or missing run is caught by the Errors and NotRunning alarms, and the next run re-evaluates everything, so a dead-letter queue of schedule events would add nothing',
      },
      {
        id: 'NIST.800.53.R5-LambdaInsideVPC',
        reason:
          'the function calls only AWS APIs (S3, DynamoDB, CloudWatch, SNS, RDS) over TLS with IAM auth and reaches no private network resource; a VPC would need a NAT gateway or five interface endpoints for no gain',
      },
    );
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: "the AWS-managed basic execution policy only allows writing this function's own logs",
    });

    this.schedule = new events.Rule(this, 'Schedule', {
      description: 'Runs the pg-backup freshness check',
      schedule: events.Schedule.rate(props.checkEvery),
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 2, maxEventAge: props.checkEvery })],
    });
  }
}
