import { FRESHNESS_FUNCTION_ENV, type FreshnessConfig, type FreshnessDatabase } from '../../src/contract/freshness/function-environment.js';
import { FreshnessCheckError } from './errors.js';

/** Reads and checks the configuration; a missing or malformed variable fails the run by name. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): FreshnessConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new FreshnessCheckError(`environment variable ${name} is missing`);
    return value;
  };
  const reminder = Number(required(FRESHNESS_FUNCTION_ENV.reminderEverySeconds));
  if (!Number.isFinite(reminder) || reminder <= 0) {
    throw new FreshnessCheckError(
      `environment variable ${FRESHNESS_FUNCTION_ENV.reminderEverySeconds} (${JSON.stringify(env[FRESHNESS_FUNCTION_ENV.reminderEverySeconds])}) must be a positive number of seconds`,
    );
  }
  let databases: FreshnessDatabase[];
  try {
    databases = JSON.parse(required(FRESHNESS_FUNCTION_ENV.databases)) as FreshnessDatabase[];
  } catch (error) {
    throw new FreshnessCheckError(
      `environment variable ${FRESHNESS_FUNCTION_ENV.databases} is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (!Array.isArray(databases) || databases.some((d) => typeof d?.id !== 'string' || typeof d.limits?.maxBackupAgeSeconds !== 'number')) {
    throw new FreshnessCheckError(
      `environment variable ${FRESHNESS_FUNCTION_ENV.databases} must be a JSON array of { id, limits, dumpNowCommand }`,
    );
  }
  const replicaBucket = env[FRESHNESS_FUNCTION_ENV.replicaBucket];
  let replica: FreshnessConfig['replica'];
  if (replicaBucket) {
    const maxLag = Number(required(FRESHNESS_FUNCTION_ENV.maxReplicaLagSeconds));
    if (!Number.isFinite(maxLag) || maxLag <= 0) {
      throw new FreshnessCheckError(
        `environment variable ${FRESHNESS_FUNCTION_ENV.maxReplicaLagSeconds} (${JSON.stringify(env[FRESHNESS_FUNCTION_ENV.maxReplicaLagSeconds])}) must be a positive number of seconds`,
      );
    }
    replica = { bucket: replicaBucket, region: required(FRESHNESS_FUNCTION_ENV.replicaRegion), maxLagSeconds: maxLag };
  }
  return {
    bucket: required(FRESHNESS_FUNCTION_ENV.bucket),
    ...(replica ? { replica } : {}),
    topicArn: required(FRESHNESS_FUNCTION_ENV.topicArn),
    stateTable: required(FRESHNESS_FUNCTION_ENV.stateTable),
    region: required('AWS_REGION'),
    reminderEverySeconds: reminder,
    functionLogGroupName: required(FRESHNESS_FUNCTION_ENV.functionLogGroupName),
    databases,
  };
}
