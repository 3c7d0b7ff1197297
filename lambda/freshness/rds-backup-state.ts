import { DBInstanceNotFoundFault, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { RdsBackupState } from '../../src/contract/freshness/point-in-time-recovery.js';

/**
 * The automated-backup state of one RDS instance: one DescribeDBInstances naming it (the function may describe
 * only the instances it watches). Undefined when the instance does not exist.
 */
export async function readRdsBackupState(rds: RDSClient, rdsInstance: string): Promise<RdsBackupState | undefined> {
  try {
    const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: rdsInstance }));
    const instance = DBInstances?.[0];
    if (!instance) return undefined;
    return {
      retentionDays: instance.BackupRetentionPeriod ?? 0,
      ...(instance.LatestRestorableTime ? { latestRestorableTime: instance.LatestRestorableTime.toISOString() } : {}),
      ...(instance.DBInstanceStatus ? { status: instance.DBInstanceStatus } : {}),
    };
  } catch (error) {
    if (error instanceof DBInstanceNotFoundFault) return undefined;
    throw error;
  }
}
