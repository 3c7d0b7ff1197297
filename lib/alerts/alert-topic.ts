import { Validations } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { AlertsConfig } from '../config/alerts-config.js';

export interface AlertTopicProps {
  /** Encrypts the messages at rest; its key policy must let CloudWatch alarms and EventBridge use it. */
  readonly masterKey: kms.IKey;
  /** E-mail addresses and optional Slack channel. */
  readonly alerts: AlertsConfig;
  /** Name of the AWS Chatbot channel configuration (unique per account). */
  readonly chatbotConfigurationName: string;
}

/**
 * Where every alarm and alert goes: an SNS topic encrypted with the backup key, TLS-only, with e-mail
 * subscriptions and, when configured, a Slack channel through AWS Chatbot. Chatbot's guardrail is
 * ReadOnlyAccess (its default would be AdministratorAccess) and its role may only read CloudWatch.
 */
export class AlertTopic extends Construct {
  readonly topic: sns.Topic;
  readonly slackChannel?: chatbot.SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'pg-backup alerts',
      masterKey: props.masterKey,
      enforceSSL: true,
    });
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
        guardrailPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
      });
    }
  }
}
