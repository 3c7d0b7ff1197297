import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { FRESHNESS_FUNCTION_ENV, type FreshnessConfig, type FreshnessDatabase } from '../../src/contract/freshness/function-environment.js';
import { FreshnessCheckError } from './errors.js';

/** The configuration from the environment alone: everything but the database list, and where that list is. */
export interface FreshnessEnvironment extends Omit<FreshnessConfig, 'databases'> {
  /** The SSM path of the database list's parameters. */
  readonly databasesParameterPath: string;
}

/** Reads and checks the environment; a missing or malformed variable fails the run by name. */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): FreshnessEnvironment {
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
    databasesParameterPath: required(FRESHNESS_FUNCTION_ENV.databasesParameterPath),
  };
}

/**
 * The whole configuration: the environment, and the database list from its SSM parameters (every parameter
 * directly under the path, in name order, each a JSON array). A malformed part fails the run, naming it.
 */
export async function readConfig(ssm: SSMClient, env: NodeJS.ProcessEnv = process.env): Promise<FreshnessConfig> {
  const { databasesParameterPath, ...environment } = readEnvironment(env);
  const parameters: { name: string; value: string }[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ssm
      .send(new GetParametersByPathCommand({ Path: databasesParameterPath, Recursive: false, NextToken: nextToken }))
      .catch((error) => {
        throw new FreshnessCheckError(`reading the database list under ${databasesParameterPath} failed: ${(error as Error).message}`, {
          cause: error,
        });
      });
    for (const p of page.Parameters ?? []) parameters.push({ name: p.Name ?? '', value: p.Value ?? '' });
    nextToken = page.NextToken;
  } while (nextToken);
  return { ...environment, databases: parseDatabaseParameters(databasesParameterPath, parameters) };
}

/** The database list from its parameters, in name order; fails naming the parameter that is not a list of databases. */
export function parseDatabaseParameters(path: string, parameters: readonly { name: string; value: string }[]): FreshnessDatabase[] {
  if (parameters.length === 0) throw new FreshnessCheckError(`no database list under ${path}: the SSM parameters are missing`);
  const databases: FreshnessDatabase[] = [];
  for (const { name, value } of [...parameters].sort((a, b) => a.name.localeCompare(b.name))) {
    let part: unknown;
    try {
      part = JSON.parse(value);
    } catch (error) {
      throw new FreshnessCheckError(`SSM parameter ${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    if (
      !Array.isArray(part) ||
      part.some(
        (d) => typeof d?.id !== 'string' || typeof d.limits?.maxBackupAgeSeconds !== 'number' || typeof d.dumpNowCommand !== 'string',
      )
    ) {
      throw new FreshnessCheckError(`SSM parameter ${name} must be a JSON array of { id, limits, dumpNowCommand }`);
    }
    databases.push(...(part as FreshnessDatabase[]));
  }
  return databases;
}
