import { availableParallelism } from 'node:os';
import { PgBackupError } from '../errors.js';
import { runTool, startTool } from '../process/child-process.js';
import { postgresBinary } from './binaries.js';
import { type ConnectionTarget, libpqEnvironment } from './connection.js';

export interface PgRestoreOptions {
  /** @default one job per core */
  readonly parallelJobs?: number;
  /** Drop each object before recreating it (restore --replace). */
  readonly clean?: boolean;
  /** Skip ownership (when the roles do not exist on the target). */
  readonly noOwner?: boolean;
}

/**
 * pg_restore of a custom-format file into `target`, in parallel, stopping at the first error.
 * Tablespaces are ignored: the target server's layout is not the source's. Returns wall seconds.
 */
export async function pgRestore(dumpFile: string, target: ConnectionTarget, options: PgRestoreOptions = {}): Promise<number> {
  const parallelJobs = options.parallelJobs ?? availableParallelism();
  const args = ['--exit-on-error', `--jobs=${parallelJobs}`, '--no-tablespaces', '--no-password', `--dbname=${target.database}`];
  if (options.clean) args.push('--clean', '--if-exists');
  if (options.noOwner) args.push('--no-owner');
  args.push(dumpFile);
  const started = Date.now();
  try {
    await runTool('pg_restore', postgresBinary('pg_restore'), args, { env: libpqEnvironment(target) });
  } catch (error) {
    const message = (error as Error).message;
    const missingRole = /role "([^"]+)" does not exist/.exec(message);
    const hint = missingRole
      ? ` (role ${missingRole[1]} does not exist on the target: pass --with-roles to recreate the stored roles first, or --no-owner)`
      : '';
    throw new PgBackupError(`${message}${hint}`, { cause: error });
  }
  return (Date.now() - started) / 1000;
}

/** Applies SQL (the stored roles) with psql, continuing past errors such as "role already exists"; returns how many statements failed. */
export async function applyRolesSql(sqlText: string, target: ConnectionTarget): Promise<{ errors: string[] }> {
  const errors: string[] = [];
  const psql = startTool('psql', postgresBinary('psql'), ['--no-psqlrc', '--quiet', '--no-password', '-v', 'ON_ERROR_STOP=0', '-f', '-'], {
    env: libpqEnvironment(target),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  psql.child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) if (/ERROR:/.test(line)) errors.push(line.replace(/^psql:[^:]*:\d+:\s*/, ''));
  });
  psql.child.stdin?.end(sqlText);
  await psql.finished;
  return { errors };
}
