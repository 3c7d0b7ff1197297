import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ResolvedDatabaseJobConfig } from '../config/database-config.js';
import { DatabaseJobs, type JobPlacement } from './database-jobs.js';
import { JobSchedulerRole } from './job-scheduler-role.js';
import type { JobTaskDefinitions } from './job-task-definitions.js';
import { AWS_APIS_ANYWHERE, importSubnets, importVpc, verifySecurityGroup } from './jobs-network.js';

export interface DatabaseJobsGroupProps {
  readonly appName: string;
  /** The databases of this jobs stack. */
  readonly databases: readonly ResolvedDatabaseJobConfig[];
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** The shared task definitions (the jobs stack's). */
  readonly definitions: JobTaskDefinitions;
  /** Where the tasks run in the app network (the jobs stack's), unless a database names its own VPC. */
  readonly network: JobPlacement;
  readonly clusterName: string;
  readonly scheduleGroupName: string;
  readonly deadLetterQueue: sqs.IQueue;
  /** The key of the dead-letter queue (the operations key). */
  readonly deadLetterKey: kms.IKey;
  readonly retryAttempts: number;
  readonly startWindowMinutes: number;
  /**
   * The ECS infrastructure role, when any database of the stage verifies on an EBS volume.
   * @default - none
   */
  readonly infrastructureRoleArn?: string;
}

/**
 * The databases of one jobs stack: each one's DatabaseJobs, and the stack's scheduler role, which may pass
 * exactly these databases' task roles.
 */
export class DatabaseJobsGroup extends Construct {
  /** By database id. */
  readonly jobs: ReadonlyMap<string, DatabaseJobs>;
  readonly schedulerRole: JobSchedulerRole;

  constructor(scope: Construct, id: string, props: DatabaseJobsGroupProps) {
    super(scope, id);
    const definitionsOf = (database: ResolvedDatabaseJobConfig) => ({
      dumpDefinition: props.definitions.dump(database.dumpTask),
      verifyDefinition: props.definitions.verify(database.verifyTask, database.verifyTask.storage),
    });
    const families = [
      ...new Set(props.databases.flatMap((d) => Object.values(definitionsOf(d)).map((definition) => definition.family))),
    ].sort();
    const needsVolume = props.databases.some((d) => d.verifyTask.storage.kind === 'volume');
    this.schedulerRole = new JobSchedulerRole(this, 'Scheduler', {
      appName: props.appName,
      scheduleGroupName: props.scheduleGroupName,
      clusterName: props.clusterName,
      families,
      executionRoleArn: props.definitions.executionRole.roleArn,
      ...(needsVolume && props.infrastructureRoleArn ? { infrastructureRoleArn: props.infrastructureRoleArn } : {}),
      deadLetterQueue: props.deadLetterQueue,
      deadLetterKey: props.deadLetterKey,
    });

    // A database's own VPC: its subnets, and one verify group per such VPC in this stack.
    const verifyGroups = new Map<string, ec2.ISecurityGroup>();
    const jobs = new Map<string, DatabaseJobs>();
    for (const database of props.databases) {
      const own = database.placement;
      let placement: JobPlacement = props.network;
      if (own) {
        const vpc = importVpc(this, `Vpc-${database.id}`, own.vpcId);
        let verifyGroup = verifyGroups.get(own.vpcId);
        if (!verifyGroup) {
          verifyGroup = verifySecurityGroup(this, `VerifySecurityGroup-${own.vpcId}`, vpc, AWS_APIS_ANYWHERE);
          verifyGroups.set(own.vpcId, verifyGroup);
        }
        // A database's own VPC names no endpoint group: its tasks reach AWS through whatever that VPC routes.
        placement = {
          vpc,
          subnets: importSubnets(this, `Subnets-${database.id}`, own.subnetIds),
          awsApis: AWS_APIS_ANYWHERE,
          verifySecurityGroup: verifyGroup,
        };
      }
      const job = new DatabaseJobs(this, `Database-${database.id}`, {
        appName: props.appName,
        database,
        bucket: props.bucket,
        key: props.key,
        ...definitionsOf(database),
        placement,
        scheduling: {
          clusterName: props.clusterName,
          scheduleGroupName: props.scheduleGroupName,
          schedulerRole: this.schedulerRole.role,
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: props.retryAttempts,
          startWindowMinutes: props.startWindowMinutes,
        },
        ...(props.infrastructureRoleArn ? { infrastructureRoleArn: props.infrastructureRoleArn } : {}),
      });
      this.schedulerRole.allowPassing(job.dumpRole, job.verifyRole);
      jobs.set(database.id, job);
    }
    this.schedulerRole.finish();
    this.jobs = jobs;
  }
}
