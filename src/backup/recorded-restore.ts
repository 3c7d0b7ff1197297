import type { SNSClient } from '@aws-sdk/client-sns';
import { publishAlert } from '../aws/alert-notification.js';
import type { CallerIdentity } from '../aws/caller-identity.js';
import { safetyManifestKey } from '../contract/layout.js';
import { RESTORE_RESULTS, type RestoreRecord, SCHEMA_VERSION, type VerificationRecord } from '../contract/manifest.js';
import { PgBackupError } from '../errors.js';
import { describeTarget } from '../postgres/connection.js';
import { backupReference, newestVerifiedBackup, readVerification } from './backup-catalog.js';
import { type RestoreObservations, type RestoreOptions, RestoreRefusedError, type RestoreResult, runRestore } from './restore.js';
import { renderRestoreNotification } from './restore-notification.js';
import { storeRestoreRecord } from './restore-records.js';

export interface RecordedRestoreOptions extends Omit<RestoreOptions, 'observed' | 'refusals'> {
  /** Who restores (STS GetCallerIdentity), asked before anything else. */
  readonly identity: CallerIdentity;
  /** Restore a backup whose newest verification failed, or that was never verified. */
  readonly allowUnverified?: boolean;
  /** The topic told of every restore (lib's `<app>-alerts` beside the bucket, unless given). */
  readonly alertTopicArn: string;
  readonly sns?: SNSClient;
  /** Recorded with the restore. */
  readonly pgBackupVersion: string;
}

export interface RecordedRestore {
  readonly result: RestoreResult;
  readonly record: RestoreRecord;
  /** Where the audit record is. */
  readonly recordKey: string;
}

/**
 * A restore with its guard rails and its record: refuses a backup whose newest verification failed, or that was
 * never verified, unless `allowUnverified` (a safety dump is exempt: it was taken moments before by a restore, and
 * its checksum and row counts are still checked); runs it (runRestore); then, whatever happened, stores an audit
 * record beside the backups (create-only) and notifies the alert topic. A failure to record fails the command even
 * after a good restore; a failure to notify is reported and recorded in the log, never hidden.
 */
export async function recordedRestore(options: RecordedRestoreOptions): Promise<RecordedRestore> {
  const { manifest, reporter } = options;
  const started = new Date();
  const observed: RestoreObservations = {};
  const backup = backupReference(manifest);
  let verification: VerificationRecord | undefined;
  let result: RestoreResult | undefined;
  let failure: unknown;
  try {
    let refusal: string | undefined;
    if (!manifest.safetyDumpOf) {
      verification = await readVerification(options.s3, options.bucket, manifest.databaseId, manifest.backupId);
      refusal = await verificationRefusal(options, verification);
    }
    result = await runRestore({ ...options, observed, ...(refusal ? { refusals: [refusal] } : {}) });
  } catch (error) {
    failure = error;
  }
  const finished = new Date();

  const record: RestoreRecord = {
    schemaVersion: SCHEMA_VERSION,
    databaseId: manifest.databaseId,
    backup,
    restoredBy: options.identity,
    target: describeTarget(options.target),
    bucket: options.bucket,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: (finished.getTime() - started.getTime()) / 1000,
    result: failure === undefined ? RESTORE_RESULTS[0] : failure instanceof RestoreRefusedError ? 'refused' : 'failed',
    ...(failure !== undefined ? { error: (failure as Error).message } : {}),
    replace: Boolean(options.replace),
    ...(observed.safetyDump
      ? {
          safetyDump: {
            id: backupReference(observed.safetyDump),
            key: observed.safetyDump.dump.key,
            manifestKey: safetyManifestKey(observed.safetyDump.databaseId, observed.safetyDump.backupId),
            storedBytes: observed.safetyDump.dump.storedBytes,
          },
        }
      : {}),
    ...(observed.terminatedSessions !== undefined ? { terminatedSessions: observed.terminatedSessions } : {}),
    ...(verification ? { verification: { passed: verification.passed, verifiedAt: verification.verifiedAt } } : {}),
    allowUnverified: Boolean(options.allowUnverified),
    ...(observed.restoreSeconds !== undefined ? { restoreSeconds: observed.restoreSeconds } : {}),
    ...(result ? { tables: result.tables, rows: result.rows } : {}),
    smokeQueries: observed.smokeQueries ?? [],
    pgBackupVersion: options.pgBackupVersion,
  };

  let recordKey: string | undefined;
  let recordFailure: unknown;
  try {
    recordKey = await storeRestoreRecord(options.s3, options.bucket, record, options.kmsKeyId);
    reporter.event('restore recorded', { key: recordKey, result: record.result });
  } catch (error) {
    recordFailure = error;
    reporter.warn('the audit record of this restore could not be stored', { error: (error as Error).message });
  }
  try {
    await publishAlert(options.alertTopicArn, renderRestoreNotification(record, options.bucket, recordKey), options.sns);
    reporter.event('alert topic notified', { topic: options.alertTopicArn });
  } catch (error) {
    reporter.warn('the alert topic was not notified of this restore: tell on-call yourself', {
      topic: options.alertTopicArn,
      error: (error as Error).message,
    });
  }

  if (failure !== undefined) throw failure;
  if (recordFailure !== undefined || !recordKey || !result) {
    throw new PgBackupError(
      `restored ${backup} into ${record.target}, but its audit record could not be stored: ${(recordFailure as Error | undefined)?.message}. ` +
        'Record it by hand (who, which backup, where, when) where your incident notes go',
      { cause: recordFailure },
    );
  }
  return { result, record, recordKey };
}

/**
 * The verification guard rail: the backup's newest verification must have passed, unless allowUnverified. The
 * refusal says which verification, when and why, and which backup did pass (what --backup latest-verified restores).
 */
async function verificationRefusal(
  options: RecordedRestoreOptions,
  verification: VerificationRecord | undefined,
): Promise<string | undefined> {
  const { manifest, reporter } = options;
  if (verification?.passed) return undefined;
  const problem = verification
    ? `backup ${manifest.backupId} FAILED its verification of ${verification.verifiedAt} (${verification.mismatches.slice(0, 3).join('; ') || 'no reason recorded'}${verification.mismatches.length > 3 ? '; ...' : ''})`
    : `backup ${manifest.backupId} (taken ${manifest.startedAt}) has never been verified`;
  if (options.allowUnverified) {
    reporter.warn(`${problem}: restoring it anyway (--allow-unverified)`, { backupId: manifest.backupId });
    return undefined;
  }
  const newest = await newestVerifiedBackup(options.s3, options.bucket, manifest.databaseId);
  const alternative = newest
    ? `The newest backup that passed is ${newest.manifest.backupId} (taken ${newest.manifest.startedAt}, verified ${newest.verification.verifiedAt}): --backup latest-verified restores it`
    : `No backup of ${manifest.databaseId} has passed verification yet`;
  const verifyFirst = verification
    ? ''
    : `, verify this one first (pg-backup verify --db-id ${manifest.databaseId} --backup ${manifest.backupId})`;
  return `${problem}. ${alternative}${verifyFirst}, or pass --allow-unverified to restore it anyway`;
}
