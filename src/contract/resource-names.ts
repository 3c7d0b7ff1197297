/**
 * The names the CDK app gives the resources the CLI must find without being told: the backup buckets and
 * the alert topics. lib/ builds them from here, and `pg-backup restore` derives the alert topic of a bucket
 * from its name, so a rename on one side is a rename on both.
 */

/** `<appName>-backups-<account>-<region>`: the backup bucket of an account and region. */
export function backupBucketName(appName: string, account: string, region: string): string {
  return `${appName}-backups-${account}-${region}`;
}

/** `<appName>-alerts`: the alert topic of each storage stack, in the bucket's account and region. */
export function alertTopicName(appName: string): string {
  return `${appName}-alerts`;
}

const BACKUP_BUCKET_NAME = /^(?<appName>[a-z0-9][a-z0-9-]*)-backups-(?<account>\d{12})-(?<region>[a-z]{2}(?:-[a-z]+)+-\d)$/;

/** The app, account and region a bucket named by backupBucketName belongs to; undefined for any other name. */
export function parseBackupBucketName(bucket: string): { appName: string; account: string; region: string } | undefined {
  const groups = BACKUP_BUCKET_NAME.exec(bucket)?.groups;
  return groups ? { appName: groups.appName!, account: groups.account!, region: groups.region! } : undefined;
}

/**
 * The alert topic beside a backup bucket (the one its storage stack created), from the bucket's name alone;
 * undefined when the bucket is not named by backupBucketName (a copy elsewhere: give the topic explicitly).
 */
export function alertTopicArnOfBucket(bucket: string, partition = 'aws'): string | undefined {
  const parsed = parseBackupBucketName(bucket);
  return parsed ? `arn:${partition}:sns:${parsed.region}:${parsed.account}:${alertTopicName(parsed.appName)}` : undefined;
}
