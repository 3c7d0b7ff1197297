import { PgBackupError } from '../errors.js';
import { runTool } from '../process/child-process.js';

/** "15.14" from `pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)`. */
export async function toolVersion(binary: string): Promise<string> {
  const output = await runTool(binary.split('/').pop() ?? binary, binary, ['--version']);
  const match = /\(PostgreSQL\)\s+(\d+(?:\.\d+)?)/.exec(output);
  return match ? match[1] : output.trim();
}

/** The major version of "15.14", "16beta1" or "9.6.24". */
export function majorVersion(version: string): number {
  const [first, second] = version.split(/[.\s]/);
  const major = Number.parseInt(first, 10);
  return major < 10 ? Number(`${major}.${Number.parseInt(second, 10)}`) : major;
}

/** pg_dump and pg_restore must not be older than the server: they would miss or misread its catalog. */
export function checkToolVersion(tool: string, toolVersionText: string, serverVersion: string): void {
  if (majorVersion(toolVersionText) < majorVersion(serverVersion)) {
    throw new PgBackupError(
      `${tool} ${toolVersionText} is older than the server (PostgreSQL ${serverVersion}): install the client of PostgreSQL ${majorVersion(serverVersion)} or newer, or set PG_BIN_DIR`,
    );
  }
}
