/**
 * The JSON documents the CLI writes beside each dump, read back by verify, restore, list, status
 * and the freshness Lambda. Bump SCHEMA_VERSION on an incompatible change; readers refuse versions
 * they do not know rather than misread them.
 */
export const SCHEMA_VERSION = 1;

export interface TableRowCount {
  readonly schema: string;
  readonly table: string;
  /** Exact: the rows of the table's COPY data in the dump itself, counted as the dump streamed past. */
  readonly rows: number;
}

export interface StoredObject {
  readonly key: string;
  /** S3 version id: the exact version this manifest vouches for. */
  readonly versionId?: string;
  /** SHA-256 (hex) of the stored (compressed) bytes. */
  readonly sha256: string;
  readonly storedBytes: number;
}

export interface BackupManifest {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly databaseId: string;
  readonly backupId: string;
  /** Where the data came from, without credentials. */
  readonly source: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly rdsInstance?: string;
  };
  readonly serverVersion: string;
  readonly pgDumpVersion: string;
  /** pg_dump --format=custom, compressed by zstd outside pg_dump. */
  readonly format: 'custom';
  readonly compression: 'zstd';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  /** Bytes pg_dump wrote (before compression). */
  readonly rawBytes: number;
  readonly dump: StoredObject;
  /** Roles and memberships (`pg_dumpall --globals-only --no-role-passwords`). */
  readonly globals?: StoredObject;
  /**
   * Every table whose rows the dump carries (a TABLE DATA entry of a table the dump defines):
   * ordinary and unlogged tables, and each partition rather than its partitioned parent, empty ones
   * included, with rows counted in the dump's own data, not by querying the source. Not
   * materialized views, whose rows pg_restore recomputes with REFRESH (manifests written before
   * counts came from the dump list populated ones, with their count(*)); not extension-owned
   * tables; not large objects. Verify and restore compare these with the restored database.
   */
  readonly tables: readonly TableRowCount[];
}

/** A short summary of one backup, kept in the latest pointer so status needs no listing. */
export interface BackupSummary {
  readonly backupId: string;
  readonly finishedAt: string;
  readonly storedBytes: number;
  readonly durationSeconds: number;
}

/** databases/<dbId>/latest.json: the newest complete backup and the summaries of the ones before it. */
export interface LatestPointer {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly databaseId: string;
  readonly latest: BackupSummary & { readonly manifestKey: string; readonly manifestVersionId?: string };
  /** Up to the previous RECENT_HISTORY backups, newest first (the size-anomaly baseline). */
  readonly previous: readonly BackupSummary[];
}

/** How many earlier backups the pointer remembers: the median of these is the size baseline. */
export const RECENT_HISTORY = 7;

export interface VerificationRecord {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly databaseId: string;
  readonly backupId: string;
  readonly verifiedAt: string;
  readonly passed: boolean;
  readonly checksumOk: boolean;
  /** Wall seconds of pg_restore into the throwaway cluster. */
  readonly restoreSeconds?: number;
  /** Every problem found, each a sentence naming the table, checksum or query. */
  readonly mismatches: readonly string[];
  readonly smokeQueries: readonly { readonly sql: string; readonly passed: boolean; readonly error?: string }[];
}
