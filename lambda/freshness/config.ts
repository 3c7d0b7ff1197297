import type { FreshnessLimits } from '../../src/status/limits.js';

/**
 * What the freshness Lambda is told by its stack, through environment variables (the CDK side
 * writes them in lib/monitoring/freshness-function.ts from this same type).
 */
export interface FreshnessDatabase {
  readonly id: string;
  readonly limits: FreshnessLimits;
  /** The exact command an operator runs to start a dump now (e.g. `aws ecs run-task ...`). */
  readonly dumpNowCommand: string;
  /** Where the dump and verify tasks of this database log. */
  readonly logGroupName?: string;
}

export interface FreshnessConfig {
  readonly bucket: string;
  readonly topicArn: string;
  /** DynamoDB table of the alert state per database (what was last said, and when). */
  readonly stateTable: string;
  readonly region: string;
  /** Repeat an unresolved alert after this many seconds. */
  readonly reminderEverySeconds: number;
  /** The Lambda's own log group, named in every alert. */
  readonly functionLogGroupName: string;
  readonly databases: readonly FreshnessDatabase[];
}

/** Environment variable names; the CDK construct sets exactly these. */
export const ENV = {
  bucket: 'BACKUP_BUCKET',
  topicArn: 'ALERT_TOPIC_ARN',
  stateTable: 'ALERT_STATE_TABLE',
  reminderEverySeconds: 'REMINDER_EVERY_SECONDS',
  functionLogGroupName: 'FUNCTION_LOG_GROUP',
  databases: 'DATABASES',
} as const;

/** Reads and checks the configuration; a missing or malformed variable fails the run by name. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): FreshnessConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is missing`);
    return value;
  };
  const reminder = Number(required(ENV.reminderEverySeconds));
  if (!Number.isFinite(reminder) || reminder <= 0) {
    throw new Error(
      `environment variable ${ENV.reminderEverySeconds} (${JSON.stringify(env[ENV.reminderEverySeconds])}) must be a positive number of seconds`,
    );
  }
  let databases: FreshnessDatabase[];
  try {
    databases = JSON.parse(required(ENV.databases)) as FreshnessDatabase[];
  } catch (error) {
    throw new Error(`environment variable ${ENV.databases} is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(databases) || databases.some((d) => typeof d?.id !== 'string' || typeof d.limits?.maxBackupAgeSeconds !== 'number')) {
    throw new Error(`environment variable ${ENV.databases} must be a JSON array of { id, limits, dumpNowCommand }`);
  }
  return {
    bucket: required(ENV.bucket),
    topicArn: required(ENV.topicArn),
    stateTable: required(ENV.stateTable),
    region: required('AWS_REGION'),
    reminderEverySeconds: reminder,
    functionLogGroupName: required(ENV.functionLogGroupName),
    databases,
  };
}
