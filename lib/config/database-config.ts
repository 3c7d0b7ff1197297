import type { ConfigProblems } from './problems.js';

// Owned by the ECS work (issue 4): connection, secret, network placement, schedules, sizes, smoke queries.
// Issue 2 needs only `id`. Placeholder until then.
export interface DatabaseConfig {
  /** Used in S3 keys, IAM ARNs and metric dimensions: see DATABASE_ID_PATTERN in src/contract/layout.ts. */
  readonly id: string;
}

/** Records every problem of one database entry; `path` is like `databases[2]`. Uniqueness is checked by the caller. */
export function validateDatabaseConfig(_database: DatabaseConfig, _path: string, _problems: ConfigProblems): void {}
