import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { ResolvedDatabaseJobConfig } from '../config/database-config.js';
import type { DatabaseJobsGroup } from '../jobs/database-jobs-group.js';
import type { JobsStack } from './jobs-stack.js';

export interface JobsShardStackProps extends StackProps {
  /** The stack with the shared pieces (cluster, task definitions, network, queue, schedule group). */
  readonly jobs: JobsStack;
  /** The databases of this stack: its block of `jobs.databasesPerStack` entries of `databases`. */
  readonly databases: readonly ResolvedDatabaseJobConfig[];
}

/**
 * `<appName>-jobs-<n>`: the per-database pieces (task roles, dump security groups, schedules, a scheduler
 * role for them) of the n-th block of databases, for stages with more databases than one stack holds. It
 * reads what they share from `<appName>-jobs` and deploys after it.
 */
export class JobsShardStack extends Stack {
  readonly group: DatabaseJobsGroup;

  constructor(scope: Construct, id: string, props: JobsShardStackProps) {
    super(scope, id, props);
    this.group = props.jobs.databaseGroup(this, props.databases);
    // The schedule group, the task definitions and the network are the jobs stack's.
    this.addStackDependency(props.jobs);
  }
}
