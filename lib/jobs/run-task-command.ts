import { Token } from 'aws-cdk-lib';

export interface RunNowCommandProps {
  readonly region: string;
  readonly scheduleGroup: string;
  /** A schedule's name, or a placeholder such as `<database-id>-<dump|verify>` for a template. */
  readonly scheduleName: string;
}

/**
 * The shell command that starts a job now exactly as its schedule would: it reads the schedule's RunTask
 * request (the universal target's Input: same task definition, network, task role override, environment,
 * volume and tags) and hands it to `aws ecs run-task`. jq turns Scheduler's PascalCase member names into
 * ECS's camelCase (the first letter lower-cased is the whole difference). Needs the AWS CLI and jq, and
 * the operator's rights to read the schedule, run the task and pass its roles.
 */
export function runNowCommand(props: RunNowCommandProps): string {
  const camelCase = `jq 'walk(if type == "object" then with_entries(.key |= (.[:1] | ascii_downcase) + .[1:]) else . end)'`;
  return (
    `aws scheduler get-schedule --region ${props.region} --group-name ${props.scheduleGroup} --name ${props.scheduleName} ` +
    `--query Target.Input --output text | ${camelCase} > run-task.json && ` +
    `aws ecs run-task --region ${props.region} --cli-input-json file://run-task.json`
  );
}

/** The CloudWatch console page of a log group (the console escapes `/` as `$252F`). */
export function logGroupConsoleUrl(region: string, logGroupName: string): string {
  const escaped = Token.isUnresolved(logGroupName) ? logGroupName : logGroupName.replaceAll('/', '$252F');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${escaped}`;
}
