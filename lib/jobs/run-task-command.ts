import { Token } from 'aws-cdk-lib';

export interface RunTaskCommandProps {
  readonly region: string;
  readonly cluster: string;
  /** Task definition family: ECS runs its newest ACTIVE revision. */
  readonly family: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupId: string;
}

/** The exact `aws ecs run-task ...` that starts a job now, in the network the schedule uses. */
export function runTaskCommand(props: RunTaskCommandProps): string {
  const subnets = props.subnetIds.join(',');
  return (
    `aws ecs run-task --region ${props.region} --cluster ${props.cluster} --launch-type FARGATE --task-definition ${props.family} ` +
    `--network-configuration 'awsvpcConfiguration={subnets=[${subnets}],securityGroups=[${props.securityGroupId}],assignPublicIp=DISABLED}'`
  );
}

/** The CloudWatch console page of a log group (the console escapes `/` as `$252F`). */
export function logGroupConsoleUrl(region: string, logGroupName: string): string {
  const escaped = Token.isUnresolved(logGroupName) ? logGroupName : logGroupName.replaceAll('/', '$252F');
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#logsV2:log-groups/log-group/${escaped}`;
}
