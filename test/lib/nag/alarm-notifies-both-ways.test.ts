import { App, type CfnResource, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NagRuleCompliance } from 'cdk-nag';
import { describe, expect, test } from 'vitest';
import { alarmGaps, alarmNotifiesBothWays } from '../../../lib/nag/rules/alarm-notifies-both-ways.js';

describe('alarmGaps: one alarm', () => {
  const topic = { Ref: 'Topic' };
  test.each<[string, object, string[]]>([
    ['both actions', { alarmActions: [topic], okActions: [topic] }, []],
    ['no OK action', { alarmActions: [topic] }, ['OKActions']],
    ['an empty ALARM list', { alarmActions: [], okActions: [topic] }, ['AlarmActions']],
    ['actions disabled', { actionsEnabled: false, alarmActions: [topic], okActions: [topic] }, ['ActionsEnabled']],
    ['no action at all', {}, ['AlarmActions', 'OKActions']],
  ])('%s', (_name, alarm, expected) => {
    expect(alarmGaps(alarm)).toEqual(expected);
  });
});

describe('PgBackup-AlarmNotifiesBothWays on resources', () => {
  function alarmIn(scope: Stack, id: string): cloudwatch.Alarm {
    return new cloudwatch.Alarm(scope, id, {
      metric: new cloudwatch.Metric({ namespace: 'PgBackup', metricName: 'BackupAgeSeconds', period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
    });
  }

  test('an alarm with ALARM and OK actions is compliant; with ALARM only it names OKActions', () => {
    const scope = new Stack(new App(), 'Test');
    const action = new actions.SnsAction(new sns.Topic(scope, 'Topic'));
    const both = alarmIn(scope, 'Both');
    both.addAlarmAction(action);
    both.addOkAction(action);
    const alarmOnly = alarmIn(scope, 'AlarmOnly');
    alarmOnly.addAlarmAction(action);
    expect(alarmNotifiesBothWays.check(both.node.defaultChild as CfnResource)).toBe(NagRuleCompliance.COMPLIANT);
    expect(alarmNotifiesBothWays.check(alarmOnly.node.defaultChild as CfnResource)).toEqual(['OKActions']);
  });

  test('a composite alarm is judged too; other resources are not', () => {
    const scope = new Stack(new App(), 'Test');
    const composite = new cloudwatch.CompositeAlarm(scope, 'Composite', {
      alarmRule: cloudwatch.AlarmRule.fromAlarm(alarmIn(scope, 'A'), cloudwatch.AlarmState.ALARM),
    });
    expect(alarmNotifiesBothWays.check(composite.node.defaultChild as CfnResource)).toEqual(['AlarmActions', 'OKActions']);
    expect(alarmNotifiesBothWays.check(new sns.Topic(scope, 'Topic').node.defaultChild as CfnResource)).toBe(
      NagRuleCompliance.NOT_APPLICABLE,
    );
  });
});
