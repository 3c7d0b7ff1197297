import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StoredObject } from '../contract/manifest.js';
import type { ConnectionTarget } from '../postgres/connection.js';
import { applyRolesSql } from '../postgres/pg-restore.js';
import type { Reporter } from '../reporting/reporter.js';
import { downloadDecompressed } from './download-dump.js';

/**
 * Downloads a backup's roles and memberships (checksum checked) into `workDir` and applies them to
 * the server of `target`. Statements that fail, "role already exists" above all, are reported and
 * skipped: the server's own roles stay as they are.
 */
export async function applyStoredRoles(
  s3: S3Client,
  bucket: string,
  globals: StoredObject,
  workDir: string,
  target: ConnectionTarget,
  reporter: Reporter,
): Promise<void> {
  const file = join(workDir, 'globals.sql');
  await downloadDecompressed(s3, bucket, globals, file, reporter, 'roles');
  const { errors } = await applyRolesSql(readFileSync(file, 'utf8'), target);
  reporter.event('roles applied', { statementsFailed: errors.length, ...(errors.length ? { firstErrors: errors.slice(0, 5) } : {}) });
}
