/**
 * The one error type of the runtime. Messages follow execa's shape: the short reason first,
 * then (for a failed command) the command line and the captured stderr, so an on-call engineer
 * reads the cause without opening a stack trace.
 */
export class PgBackupError extends Error {
  override readonly name = 'PgBackupError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** "pg_dump failed with exit code 1: <stderr tail>" for a child process that did not succeed. */
export function commandFailed(
  command: string,
  detail: { exitCode?: number | null; signal?: string | null; stderr?: string },
): PgBackupError {
  const how = detail.signal ? `was killed by ${detail.signal}` : `failed with exit code ${detail.exitCode ?? 'unknown'}`;
  const stderr = (detail.stderr ?? '').trim().split('\n').slice(-20).join('\n');
  return new PgBackupError(`${command} ${how}${stderr ? `: ${stderr}` : ''}`);
}
