/**
 * What the freshness Lambda throws on purpose: an environment it cannot run with, or databases it could
 * not read. The Lambda reaches the runtime only through src/contract/, so it has this small error of its
 * own rather than the CLI's PgBackupError; the runtime's errors it meets (a damaged pointer document)
 * arrive as its `cause`. The Lambda's Errors metric and alarm see every one.
 */
export class FreshnessCheckError extends Error {
  override readonly name = 'FreshnessCheckError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
