import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DatabaseAlarms } from '../monitoring/freshness-alarms.js';
import type { MonitoredDatabase, MonitoringStack } from './monitoring-stack.js';

export interface MonitoringShardStackProps extends StackProps {
  /** The stack with the freshness check and the dashboard (which lists these alarms by name). */
  readonly monitoring: MonitoringStack;
  /** This stack's number n: its databases are the n-th block of MONITORED_DATABASES_PER_STACK entries. */
  readonly stackNumber: number;
  /** Those databases. */
  readonly databases: readonly MonitoredDatabase[];
}

/** `<appName>-monitoring-<n>`: the alarms and the part of the freshness check's database list of the n-th block of monitored databases. */
export class MonitoringShardStack extends Stack {
  readonly databaseAlarms: ReadonlyMap<string, DatabaseAlarms>;

  constructor(scope: Construct, id: string, props: MonitoringShardStackProps) {
    super(scope, id, props);
    this.databaseAlarms = props.monitoring.watch(this, props.stackNumber, props.databases);
    this.addStackDependency(props.monitoring);
  }
}
