import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * The roles that publish to an alert topic, each with a fixed name so the topic's policy can name them
 * before they exist and from another stack: the topic refuses every other principal of the account.
 * CloudWatch alarms publish as the CloudWatch service, admitted by the topic policy for the stage's alarms.
 */
export const ALERT_PUBLISHERS = {
  /** The freshness check (lib/monitoring/freshness-function.ts). */
  freshnessCheck: 'freshness',
  /** EventBridge rules on failed dump and verify tasks (lib/stacks/jobs-stack.ts). */
  failedTasks: 'task-alerts',
  /** EventBridge rules on destructive calls (lib/tripwires/tripwire-rules.ts). */
  tripwires: 'tripwire-alerts',
} as const;

export type AlertPublisher = (typeof ALERT_PUBLISHERS)[keyof typeof ALERT_PUBLISHERS];

/** `<appName>-<publisher>-<region>`: IAM role names are per account, so the region keeps a trial's two stacks apart. */
export function alertPublisherRoleName(appName: string, region: string, publisher: AlertPublisher): string {
  return `${appName}-${publisher}-${region}`;
}

/** The ARNs of every publisher role in `scope`'s account and region, and of the named operator roles. */
export function alertPublisherRoleArns(scope: Construct, appName: string, operatorRoleNames: readonly string[] = []): string[] {
  const stack = Stack.of(scope);
  const roleArn = (name: string) => `arn:${stack.partition}:iam::${stack.account}:role/${name}`;
  return [
    ...Object.values(ALERT_PUBLISHERS).map((publisher) => roleArn(alertPublisherRoleName(appName, stack.region, publisher))),
    ...operatorRoleNames.map(roleArn),
  ];
}
