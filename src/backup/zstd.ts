import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PgBackupError } from '../errors.js';

/** The zstd program (ZSTD_BIN, else the PATH), with an install hint when it is missing. */
export function zstdBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ZSTD_BIN) return env.ZSTD_BIN;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'zstd'))) return join(dir, 'zstd');
  }
  throw new PgBackupError('zstd not found on the PATH: install it (Debian: apt-get install zstd) or set ZSTD_BIN');
}
