import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { logGroupConsoleUrl, runNowCommand } from './run-task-command.js';

export interface FailedTaskAlertProps {
  readonly clusterArn: string;
  readonly clusterName: string;
  readonly scheduleGroupName: string;
  readonly logGroupName: string;
  /** Where the message goes (by its fixed name: the rule's role holds the topic's key only through SNS). */
  readonly alertTopic: sns.ITopic;
  /** The role EventBridge publishes with. */
  readonly alertRole: iam.IRole;
}

/**
 * One rule for the whole jobs cluster: any task that stops with a non-zero exit code or fails to start is
 * announced on the alert topic. The message names the database and the job from the task itself: its
 * startedBy is the database's id and its group the job (the schedules' RunTask requests set both, and so does
 * the run-now command, which replays a schedule's request), which also name the schedule to run it again.
 */
export class FailedTaskAlert extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: FailedTaskAlertProps) {
    super(scope, id);
    const { region } = Stack.of(this);
    const field = (path: string) => events.EventField.fromPath(path);
    const database = field('$.detail.startedBy');
    const job = field('$.detail.group');
    this.rule = new events.Rule(this, 'Rule', {
      description: 'pg-backup: a dump or verify task stopped with a non-zero exit code or failed to start',
      eventPattern: {
        source: ['aws.ecs'],
        detailType: ['ECS Task State Change'],
        detail: {
          clusterArn: [props.clusterArn],
          lastStatus: ['STOPPED'],
          $or: [{ containers: { exitCode: [{ 'anything-but': 0 }] } }, { stopCode: ['TaskFailedToStart'] }],
        },
      },
    });
    this.rule.addTarget(
      new eventsTargets.SnsTopic(props.alertTopic, {
        authorizeUsingRole: true,
        role: props.alertRole,
        message: events.RuleTargetInput.fromText(
          [
            `pg-backup ${job} of database ${database} FAILED in ${region}.`,
            `Exit code: ${field('$.detail.containers[0].exitCode')} (dump: 1 = the dump failed; verify: 2 = the backup failed verification, 1 = verify could not run); stop code: ${field('$.detail.stopCode')}; reason: ${field('$.detail.stoppedReason')}.`,
            `Task: ${field('$.detail.taskArn')} (stopped ${field('$.detail.stoppedAt')}), task definition ${field('$.detail.taskDefinitionArn')}.`,
            `Logs: log group ${props.logGroupName}, stream ${job}/pg-backup/TASK_ID (the last part of the task ARN): ${logGroupConsoleUrl(region, props.logGroupName)}`,
            `Earlier runs of this database: aws ecs list-tasks --region ${region} --cluster ${props.clusterName} --started-by ${database} --desired-status STOPPED`,
            `Run it again now: ${runNowCommand({ region, scheduleGroup: props.scheduleGroupName, scheduleName: `${database}-${job}` })}`,
          ].join('\n'),
        ),
      }),
    );
  }
}
