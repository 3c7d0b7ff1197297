import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { NagRuleCompliance } from 'cdk-nag';
import type { PgBackupRule } from '../pg-backup-rule.js';

/** An alarm's L1 properties as Stack.resolve gives them. */
export interface AlarmFacts {
  readonly actionsEnabled?: unknown;
  readonly alarmActions?: unknown;
  readonly okActions?: unknown;
}

/** What an alarm lacks, each a finding named after the CloudFormation property: `AlarmActions`, `OKActions`, or `ActionsEnabled`. */
export function alarmGaps(alarm: AlarmFacts): string[] {
  const gaps: string[] = [];
  if (alarm.actionsEnabled === false) gaps.push('ActionsEnabled');
  for (const [field, actions] of [
    ['AlarmActions', alarm.alarmActions],
    ['OKActions', alarm.okActions],
  ] as const) {
    if (!Array.isArray(actions) || actions.length === 0) gaps.push(field);
  }
  return gaps;
}

/** PgBackup-AlarmNotifiesBothWays: every CloudWatch alarm (metric or composite) tells someone when it fires and when it clears. */
export const alarmNotifiesBothWays: PgBackupRule = {
  id: 'AlarmNotifiesBothWays',
  info: 'A CloudWatch alarm lacks an ALARM action or an OK action (or has its actions disabled).',
  explanation:
    'An alarm nobody hears is no alarm, and one that never says it cleared leaves on-call guessing whether the backups are healthy again: every alarm notifies on ALARM and on OK.',
  check(node) {
    if (!(node instanceof cloudwatch.CfnAlarm || node instanceof cloudwatch.CfnCompositeAlarm)) return NagRuleCompliance.NOT_APPLICABLE;
    const stack = Stack.of(node);
    const gaps = alarmGaps({
      actionsEnabled: stack.resolve(node.actionsEnabled),
      alarmActions: stack.resolve(node.alarmActions),
      okActions: stack.resolve(node.okActions),
    });
    return gaps.length > 0 ? gaps : NagRuleCompliance.COMPLIANT;
  },
};
