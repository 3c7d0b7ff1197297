import {
  GetBucketLifecycleConfigurationCommand,
  GetObjectLockConfigurationCommand,
  type LifecycleRule,
  ListObjectVersionsCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3ErrorMessage } from '../aws/s3-errors.js';
import { PgBackupError } from '../errors.js';

/** What a bucket says about how long its objects stay: the lifecycle rules and the Object Lock default. */
export interface BucketRetention {
  readonly lifecycleRules: readonly LifecycleRule[];
  /** The default retention every new version gets; undefined when the bucket has none. */
  readonly lock?: { readonly mode: string; readonly days: number };
}

/** Where a dump is kept, and until when: what `list` shows of each backup. */
export interface StorageFacts {
  /** STANDARD, STANDARD_IA, GLACIER_IR, GLACIER, DEEP_ARCHIVE... */
  readonly storageClass: string;
  /** True for classes whose bytes are offline until restored (GLACIER, DEEP_ARCHIVE). */
  readonly archived: boolean;
  /** When the lifecycle ends the current version (a delete marker; the version itself goes later, never before its lock). */
  readonly expires?: { readonly at: string; readonly source: string };
  /** Until when Object Lock keeps the version: nobody can delete it before. */
  readonly lockedUntil?: { readonly at: string; readonly source: string };
  /** Why an expiry is not known (a rule filters by tags the caller did not know). */
  readonly expiryUnknown?: string;
}

const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/**
 * The bucket's lifecycle rules and Object Lock default: one call each, for a whole listing. A bucket without
 * either answers an error S3 reserves for that, which is no error here.
 */
export async function readBucketRetention(s3: S3Client, bucket: string): Promise<BucketRetention> {
  const [lifecycleRules, lock] = await Promise.all([
    s3
      .send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }))
      .then((answer) => answer.Rules ?? [])
      .catch((error: unknown) => {
        if (codeOf(error) === 'NoSuchLifecycleConfiguration') return [];
        throw new PgBackupError(`could not read the lifecycle rules of s3://${bucket}: ${s3ErrorMessage(error)}`, { cause: error });
      }),
    s3
      .send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))
      .then((answer) => {
        const retention = answer.ObjectLockConfiguration?.Rule?.DefaultRetention;
        if (!retention?.Mode) return undefined;
        return { mode: retention.Mode, days: retention.Days ?? (retention.Years ?? 0) * 365 };
      })
      .catch((error: unknown) => {
        if (codeOf(error) === 'ObjectLockConfigurationNotFoundError') return undefined;
        throw new PgBackupError(`could not read the Object Lock configuration of s3://${bucket}: ${s3ErrorMessage(error)}`, {
          cause: error,
        });
      }),
  ]);
  return { lifecycleRules, ...(lock ? { lock } : {}) };
}

/** One version of an object, as a version listing gives it. */
export interface ListedVersion {
  readonly key: string;
  readonly versionId?: string;
  readonly isLatest: boolean;
  readonly lastModified: Date;
  readonly size: number;
  readonly storageClass: string;
}

/**
 * Every version under `prefix` (delete markers left out), by ListObjectVersions: the storage class, size and age of
 * each without reading any object, so a viewer who may not read dumps still sees them.
 */
export async function listVersions(s3: S3Client, bucket: string, prefix: string): Promise<ListedVersion[]> {
  const versions: ListedVersion[] = [];
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  try {
    do {
      const page = await s3.send(
        new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
      for (const v of page.Versions ?? []) {
        if (!v.Key || !v.LastModified) continue;
        versions.push({
          key: v.Key,
          ...(v.VersionId && v.VersionId !== 'null' ? { versionId: v.VersionId } : {}),
          isLatest: Boolean(v.IsLatest),
          lastModified: v.LastModified,
          size: v.Size ?? 0,
          storageClass: v.StorageClass ?? 'STANDARD',
        });
      }
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
  } catch (error) {
    throw new PgBackupError(`could not list the versions under s3://${bucket}/${prefix}: ${s3ErrorMessage(error)}`, { cause: error });
  }
  return versions;
}

/**
 * The storage facts of one object version (the one the manifest names, else the current one) among `versions`;
 * undefined when the key has no version there. `tags` are the object's tags when known (a manifest records the
 * retention tier the dump tagged it with), so rules filtered by tag can be judged.
 */
export function storageFacts(
  versions: readonly ListedVersion[],
  key: string,
  versionId: string | undefined,
  retention: BucketRetention,
  tags?: Readonly<Record<string, string>>,
): StorageFacts | undefined {
  const ofKey = versions.filter((v) => v.key === key);
  const version = ofKey.find((v) => versionId !== undefined && v.versionId === versionId) ?? ofKey.find((v) => v.isLatest);
  if (!version) return undefined;
  const created = version.lastModified;
  const expiry = version.isLatest ? lifecycleExpiry(retention.lifecycleRules, key, version.size, created, tags) : undefined;
  return {
    storageClass: version.storageClass,
    archived: ARCHIVE_CLASSES.has(version.storageClass),
    ...(expiry?.at && expiry.source ? { expires: { at: expiry.at, source: expiry.source } } : {}),
    ...(expiry?.unknown ? { expiryUnknown: expiry.unknown } : {}),
    ...(retention.lock
      ? {
          lockedUntil: {
            at: new Date(created.getTime() + retention.lock.days * 86_400_000).toISOString(),
            source: `Object Lock ${retention.lock.mode} default retention of ${retention.lock.days} days`,
          },
        }
      : {}),
  };
}

/**
 * When the bucket's lifecycle expires a current version created at `created`: the earliest expiration of the
 * enabled rules whose filter matches the key and size. S3 adds the rule's days to the creation time and rounds up
 * to the next midnight UTC. A rule that also filters by tags matches when the object has every one of them; without
 * the object's `tags` it cannot be judged, and the answer says so instead of guessing.
 */
export function lifecycleExpiry(
  rules: readonly LifecycleRule[],
  key: string,
  size: number,
  created: Date,
  tags?: Readonly<Record<string, string>>,
): { at?: string; source?: string; unknown?: string } | undefined {
  let earliest: { at: string; source: string } | undefined;
  const tagged: string[] = [];
  for (const rule of rules) {
    if (rule.Status !== 'Enabled' || !rule.Expiration || (rule.Expiration.Days === undefined && rule.Expiration.Date === undefined))
      continue;
    const filter = rule.Filter;
    const and = filter?.And;
    const prefix = and?.Prefix ?? filter?.Prefix ?? rule.Prefix ?? '';
    const greater = and?.ObjectSizeGreaterThan ?? filter?.ObjectSizeGreaterThan;
    const less = and?.ObjectSizeLessThan ?? filter?.ObjectSizeLessThan;
    if (!key.startsWith(prefix)) continue;
    if (greater !== undefined && !(size > greater)) continue;
    if (less !== undefined && !(size < less)) continue;
    const ruleTags = [...(and?.Tags ?? []), ...(filter?.Tag ? [filter.Tag] : [])];
    if (ruleTags.length > 0 && !tags) {
      tagged.push(`rule ${rule.ID ?? '?'} (${ruleTags.map((t) => `${t.Key}=${t.Value}`).join(', ')})`);
      continue;
    }
    if (!ruleTags.every((t) => t.Key !== undefined && tags?.[t.Key] === t.Value)) continue;
    const at = rule.Expiration.Date !== undefined ? new Date(rule.Expiration.Date) : nextMidnightUtc(created, rule.Expiration.Days ?? 0);
    if (!earliest || at.toISOString() < earliest.at) earliest = { at: at.toISOString(), source: `lifecycle rule ${rule.ID ?? '(no id)'}` };
  }
  if (tagged.length > 0) return { ...earliest, unknown: `may come sooner, by the object's tags: ${tagged.join('; ')}` };
  return earliest;
}

function nextMidnightUtc(created: Date, days: number): Date {
  const at = new Date(created.getTime() + days * 86_400_000);
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  return new Date(midnight === at.getTime() ? midnight : midnight + 86_400_000);
}

function codeOf(error: unknown): string | undefined {
  return (error as { Code?: string; name?: string }).Code ?? (error as { name?: string }).name;
}
