import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * Every alarm of a stage is named `<appName>-...`: on-call reads the name in the alert, and the alert
 * topic's policy admits CloudWatch only for alarms with this prefix in this account and region.
 */
export function alarmName(appName: string, ...parts: string[]): string {
  return [appName, ...parts].join('-');
}

/** `arn:aws:cloudwatch:<region>:<account>:alarm:<appName>-*`: the alarms of the stage in `scope`'s environment. */
export function stageAlarmsArnPattern(scope: Construct, appName: string): string {
  return Stack.of(scope).formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: `${appName}-*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
