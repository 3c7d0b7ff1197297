import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { alertTopicName } from '../../src/contract/resource-names.js';
import type { AlertsConfig } from '../config/alerts-config.js';
import { stageAlarmsArnPattern } from './alarm-names.js';
import { alertPublisherRoleArns } from './alert-publishers.js';

// `<appName>-alerts`: fixed, so key policies and the jobs stack name the topic without a cross-stack reference, and
// `pg-backup restore` finds the topic of a bucket by its name (src/contract/resource-names.ts).
export { alertTopicName };

/** The alert topic's ARN in `scope`'s account and region. */
export function alertTopicArn(scope: Construct, appName: string): string {
  return Stack.of(scope).formatArn({ service: 'sns', resource: alertTopicName(appName), arnFormat: ArnFormat.NO_RESOURCE_NAME });
}

export interface AlertTopicProps {
  /** Prefix of the stage's alarm names (lib/alerts/alarm-names.ts): only those alarms may publish. */
  readonly appName: string;
  /** Encrypts the messages at rest; this construct lets the stage's alarms use it for this topic only. */
  readonly masterKey: kms.IKey;
  /** E-mail addresses and optional Slack channel. */
  readonly alerts: AlertsConfig;
  /** Name of the AWS Chatbot channel configuration (unique per account). */
  readonly chatbotConfigurationName: string;
  /**
   * Roles people assume that notify on-call (the restorers of lib/access/operator-roles.ts: a restore says so on
   * the topic), admitted beside the app's own publishers. Default: none.
   */
  readonly operatorPublisherRoleNames?: readonly string[];
}

/**
 * Where every alarm and alert goes: an SNS topic encrypted with the operations key, TLS-only, with e-mail
 * subscriptions and, when configured, a Slack channel through AWS Chatbot. Chatbot's role and its guardrail
 * (its default would be AdministratorAccess) are the same policy: read CloudWatch alarms and metrics, nothing else.
 *
 * A topic policy replaces SNS's default one, so CloudWatch may publish only because the policy says so:
 * for the stage's own alarms (aws:SourceArn) in this account. Roles publish through grantPublish, and only
 * the roles of lib/alerts/alert-publishers.ts and the restorers: the policy refuses every other principal.
 */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.IKey;
  readonly slackChannel?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = props.masterKey;
    // Named, so the key policy (and other stacks) can name the topic without a reference back to it.
    const topicArn = alertTopicArn(this, props.appName);
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: alertTopicName(props.appName),
      displayName: 'pg-backup alerts',
      masterKey: props.masterKey,
      enforceSSL: true,
    });
    const fromStageAlarms = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': stageAlarmsArnPattern(this, props.appName) },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowStageAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromStageAlarms,
      }),
    );
    // CloudWatch calls KMS with its own identity when it publishes to an encrypted topic: the key policy must
    // name it. Only for this topic's messages (the encryption context) and only for the stage's alarms.
    props.masterKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowStageAlarmsToEncryptAlerts',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: {
          ...fromStageAlarms,
          StringEquals: { ...fromStageAlarms.StringEquals, 'kms:EncryptionContext:aws:sns:topicArn': topicArn },
        },
      }),
    );
    // Only our publishers: every other principal of the account, administrators included, is refused, so nobody
    // can post a fake alert carrying commands for on-call to run. AWS services (CloudWatch, for the stage's alarms
    // above) are not principals of the account and are admitted by the Allow statements alone.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPublishingByAnyoneButOurPublishers',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': alertPublisherRoleArns(this, props.appName, props.operatorPublisherRoleNames) },
          Bool: { 'aws:PrincipalIsAWSService': 'false' },
        },
      }),
    );
    for (const email of props.alerts.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    const slack = props.alerts.slack;
    if (slack) {
      const role = new iam.Role(this, 'ChatbotRole', {
        description: 'AWS Chatbot in the alert channel: read CloudWatch alarms and graphs only',
        assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      });
      const readCloudWatch = new iam.ManagedPolicy(this, 'ChatbotReadCloudWatch', {
        description: 'AWS Chatbot: read CloudWatch alarms and metric graphs for alert cards',
        roles: [role],
        statements: [
          new iam.PolicyStatement({
            actions: [
              'cloudwatch:DescribeAlarms',
              'cloudwatch:DescribeAlarmHistory',
              'cloudwatch:GetMetricData',
              'cloudwatch:GetMetricWidgetImage',
              'cloudwatch:ListMetrics',
            ],
            resources: ['*'],
          }),
        ],
      });
      Validations.of(readCloudWatch).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'GetMetricData, GetMetricWidgetImage and ListMetrics support no resource ARNs; the actions are read-only CloudWatch calls Chatbot uses to render alarm cards',
      });
      this.slackChannel = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: props.chatbotConfigurationName,
        slackWorkspaceId: slack.workspaceId,
        slackChannelId: slack.channelId,
        notificationTopics: [this.topic],
        role,
        // The guardrail caps what anyone in the channel can do through Chatbot, whatever the role says:
        // CloudWatch reads, nothing else (ReadOnlyAccess would let the channel read backups and logs).
        guardrailPolicies: [readCloudWatch],
      });
    }
  }

  /**
   * sns:Publish on the topic, and its key through SNS for this topic's messages only. Topic.grantPublish
   * would hand out the key's Decrypt with no condition, usable on every backup the key encrypts.
   */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    const region = Stack.of(this).region;
    const publish = iam.Grant.addToPrincipal({ grantee, actions: ['sns:Publish'], resourceArns: [this.topic.topicArn] });
    const encrypt = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resourceArns: [this.key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `sns.${region}.amazonaws.com`, 'kms:EncryptionContext:aws:sns:topicArn': this.topic.topicArn },
      },
    });
    for (const statement of publish.principalStatements) statement.sid = 'PublishAlerts';
    for (const statement of encrypt.principalStatements) statement.sid = 'EncryptAlertsThroughSns';
    return publish.combine(encrypt);
  }
}
