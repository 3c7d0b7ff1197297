import type { S3Client } from '@aws-sdk/client-s3';
import {
  ArchivedObjectError,
  type ArchiveState,
  type ArchiveStorageClass,
  archiveState,
  type ObjectReference,
  RESTORED_COPY_DAYS,
  type RestoreTier,
  startArchiveRestore,
  TYPICAL_RESTORE_TIME,
} from '../aws/s3-archive.js';
import { PgBackupError } from '../errors.js';
import type { Reporter } from '../reporting/reporter.js';

/** How restore, verify and download treat an archived backup: which tier to restore it with, and whether to wait. */
export interface ArchiveRetrieval {
  readonly tier: RestoreTier;
  /** Poll until every object is readable, then go on; otherwise stop with ArchiveRestorePendingError. */
  readonly wait: boolean;
  /** Seconds between two looks while waiting. */
  readonly pollSeconds: number;
  readonly reporter: Reporter;
  /** The command line to run again (no secrets), for the message that says what to do next. */
  readonly rerun: string;
  /** @default - the clock; tests give their own */
  readonly now?: () => Date;
  /** @default - setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The backup is archived and its S3 restore is under way; nothing else was done. Its message says when the
 * objects should be readable and what to run then: a distinct exit code, so a script can tell it from a failure.
 */
export class ArchiveRestorePendingError extends PgBackupError {
  constructor(
    message: string,
    /** When the slowest object should be readable, by AWS's typical times. */
    readonly readyBy: Date,
  ) {
    super(message);
  }
}

/**
 * Makes the objects readable: those in GLACIER or DEEP_ARCHIVE that are not restored get a restore request
 * (`retrieval.tier`), and then either the command waits, polling, until every copy is readable, or it stops with
 * ArchiveRestorePendingError naming when to come back. Objects in any other class cost one HeadObject each.
 */
export async function makeReadable(
  s3: S3Client,
  bucket: string,
  objects: readonly ObjectReference[],
  retrieval: ArchiveRetrieval,
): Promise<void> {
  const now = retrieval.now ?? (() => new Date());
  const sleep = retrieval.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const states = await Promise.all(objects.map(async (object) => ({ object, state: await archiveState(s3, bucket, object) })));
  const offline = states.filter(({ state }) => state.kind === 'archived' || state.kind === 'restoring');
  if (offline.length === 0) return;

  const started = now();
  let readyBy = started;
  for (const { object, state } of offline) {
    const storageClass = state.storageClass as ArchiveStorageClass;
    if (state.kind === 'archived') {
      await startArchiveRestore(s3, bucket, object, storageClass, retrieval.tier);
    }
    const typical = TYPICAL_RESTORE_TIME[storageClass][retrieval.tier] ?? TYPICAL_RESTORE_TIME[storageClass].Standard!;
    const expected = new Date(started.getTime() + typical.hours * 3_600_000);
    if (expected > readyBy) readyBy = expected;
    retrieval.reporter.event(state.kind === 'archived' ? 'archive restore started' : 'archive restore already under way', {
      key: object.key,
      storageClass,
      tier: retrieval.tier,
      typically: typical.text,
      readableForDays: RESTORED_COPY_DAYS,
    });
  }

  let pending = await stillOffline(s3, bucket, offline);
  if (pending.length > 0 && !retrieval.wait) throw pendingError(bucket, pending, retrieval, readyBy);
  while (pending.length > 0) {
    retrieval.reporter.event('waiting for the archive restore', {
      objects: pending.length,
      expectedBy: readyBy.toISOString(),
      nextLookInSeconds: retrieval.pollSeconds,
    });
    await sleep(retrieval.pollSeconds * 1000);
    pending = await stillOffline(s3, bucket, pending);
  }
  retrieval.reporter.event('archived objects readable', {
    objects: offline.length,
    waitedSeconds: Math.round((now().getTime() - started.getTime()) / 1000),
  });
}

/**
 * Runs `work`; when it meets an archived object it did not expect (a manifest or record the lifecycle archived
 * too), makes that object readable the same way and runs `work` again.
 */
export async function readingArchived<T>(s3: S3Client, bucket: string, retrieval: ArchiveRetrieval, work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof ArchivedObjectError) || error.bucket !== bucket || attempt > 5) throw error;
      await makeReadable(s3, bucket, [error.object], retrieval);
    }
  }
}

async function stillOffline(
  s3: S3Client,
  bucket: string,
  objects: readonly { object: ObjectReference; state: ArchiveState }[],
): Promise<{ object: ObjectReference; state: ArchiveState }[]> {
  const now = await Promise.all(objects.map(async ({ object }) => ({ object, state: await archiveState(s3, bucket, object) })));
  return now.filter(({ state }) => state.kind === 'archived' || state.kind === 'restoring');
}

function pendingError(
  bucket: string,
  pending: readonly { object: ObjectReference; state: ArchiveState }[],
  retrieval: ArchiveRetrieval,
  readyBy: Date,
): ArchiveRestorePendingError {
  const classes = [...new Set(pending.map(({ state }) => state.storageClass))].join(' and ');
  const typical = [
    ...new Set(pending.map(({ state }) => TYPICAL_RESTORE_TIME[state.storageClass as ArchiveStorageClass][retrieval.tier]?.text)),
  ]
    .filter(Boolean)
    .join(' / ');
  const keys = pending.map(({ object }) => `s3://${bucket}/${object.key}`).join(', ');
  const when = readyBy.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return new ArchiveRestorePendingError(
    `archived in ${classes}: the S3 restore of ${keys} is under way (tier ${retrieval.tier}, typically ${typical}: readable by about ${when}); ` +
      `nothing else was done. Run \`${retrieval.rerun} --wait\` to wait for it and go on, or run \`${retrieval.rerun}\` again after ${when} ` +
      `(the restored copy stays readable for ${RESTORED_COPY_DAYS} days)`,
    readyBy,
  );
}
