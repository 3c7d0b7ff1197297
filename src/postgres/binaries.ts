import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PgBackupError } from '../errors.js';

const INSTALL_HINT =
  'install the PostgreSQL server and client (Debian: apt-get install postgresql postgresql-contrib), ' +
  'or set PG_BIN_DIR to the folder holding initdb, pg_ctl, pg_dump and pg_restore';

/**
 * The folder holding the PostgreSQL binaries: PG_BIN_DIR when set, else the newest
 * /usr/lib/postgresql/<major>/bin (Debian's layout), else the PATH. The newest major matters:
 * pg_dump must not be older than the server it dumps.
 */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.PG_BIN_DIR) return env.PG_BIN_DIR;
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot)
      .filter((name) => /^\d+$/.test(name) && existsSync(join(debianRoot, name, 'bin', 'pg_dump')))
      .sort((a, b) => Number(b) - Number(a));
    if (majors.length > 0) return join(debianRoot, majors[0], 'bin');
  }
  return undefined;
}

/** Absolute path of a PostgreSQL program, failing with an install hint when it is missing. */
export function postgresBinary(program: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = postgresBinDir(env);
  if (dir) {
    const candidate = join(dir, program);
    if (existsSync(candidate)) return candidate;
    throw new PgBackupError(`${program} not found in ${dir}: ${INSTALL_HINT}`);
  }
  for (const pathDir of (env.PATH ?? '').split(':')) {
    if (pathDir && existsSync(join(pathDir, program))) return join(pathDir, program);
  }
  throw new PgBackupError(`${program} not found: ${INSTALL_HINT}`);
}
