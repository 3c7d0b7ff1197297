import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import pg from 'pg';
import { inject } from 'vitest';
import { alertTopicName, backupBucketName } from '../../src/contract/resource-names.js';

/** Connection facts of the run's shared PostgreSQL cluster (started in global-setup.ts). */
export function sharedPostgres() {
  return inject('postgres');
}

/** The endpoint of the run's shared moto server. */
export function motoEndpoint(): string {
  return inject('motoEndpoint');
}

/** A short random suffix so tests never share databases or buckets. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** postgresql:// URL of `database` on the shared cluster, as the superuser unless another user is given. */
export function postgresUrl(database: string, user?: { name: string; password: string }): string {
  const pgInfo = sharedPostgres();
  const name = user?.name ?? pgInfo.superuser;
  const password = user?.password ?? pgInfo.password;
  return `postgresql://${encodeURIComponent(name)}:${encodeURIComponent(password)}@${pgInfo.host}:${pgInfo.port}/${encodeURIComponent(database)}`;
}

/** Runs SQL on a database of the shared cluster and returns the rows. */
export async function sql<T extends Record<string, unknown> = Record<string, unknown>>(
  database: string,
  text: string,
  values?: unknown[],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgresUrl(database) });
  await client.connect();
  try {
    const result = await client.query(text, values);
    return (Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows) as T[];
  } finally {
    await client.end();
  }
}

/** Creates an empty database with a unique name on the shared cluster and returns its name. */
export async function createDatabase(prefix = 'db'): Promise<string> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  await sql('postgres', `CREATE DATABASE ${name}`);
  return name;
}

/** An S3 client pointed at the shared moto server. */
export function s3Client(region = 'eu-west-1'): S3Client {
  return new S3Client({ region, endpoint: motoEndpoint(), forcePathStyle: true });
}

/** moto's account: what STS GetCallerIdentity answers and where topics are created. */
export const MOTO_ACCOUNT = '123456789012';

/**
 * Creates a versioned bucket with a unique name on the shared moto server, named as the app names its buckets
 * (`<app>-backups-<account>-<region>`, the app a unique name from `prefix`), and that app's alert topic
 * (`<app>-alerts`), which `pg-backup restore` finds from the bucket's name and notifies.
 */
export async function createBucket(prefix = 'backups', options: { objectLock?: boolean } = {}): Promise<string> {
  const appName = uniqueName(prefix);
  const bucket = backupBucketName(appName, MOTO_ACCOUNT, 'eu-west-1');
  await new SNSClient({ region: 'eu-west-1', endpoint: motoEndpoint() }).send(new CreateTopicCommand({ Name: alertTopicName(appName) }));
  const s3 = s3Client();
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
      ObjectLockEnabledForBucket: options.objectLock ?? false,
    }),
  );
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  return bucket;
}
