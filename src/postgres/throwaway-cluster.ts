import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASK_ENV } from '../contract/task-environment.js';
import { PgBackupError } from '../errors.js';
import { runTool } from '../process/child-process.js';
import { postgresBinary } from './binaries.js';

/** Options for a throwaway PostgreSQL cluster. */
export interface ThrowawayClusterOptions {
  /**
   * Password of the superuser for TCP connections (scram-sha-256). Local socket connections are trusted.
   * @default - no password: TCP connections from 127.0.0.1 are trusted too (the cluster listens on loopback only)
   */
  readonly superuserPassword?: string;
  /** @default 'postgres' */
  readonly superuser?: string;
  /**
   * Trade durability for speed (fsync off and friends). Right for a cluster that is thrown away.
   * @default true
   */
  readonly fast?: boolean;
  /** Extra `postgres -c` settings. @default - none */
  readonly settings?: Record<string, string>;
  /**
   * Parent folder of the cluster's files; a restore of a big dump needs room there.
   * @default - the OS temp folder
   */
  readonly parentDir?: string;
}

/** A running throwaway cluster on 127.0.0.1. Call `stop()` in a finally block. */
export interface ThrowawayCluster {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly superuser: string;
  readonly superuserPassword?: string;
  /** Directory of the unix socket (for libpq's `host=`). */
  readonly socketDir: string;
  readonly dataDir: string;
  /** postgresql:// URL for a database of this cluster, with the password if there is one. */
  url(database?: string): string;
  /** Stops the server (immediate mode) and removes every file it had. Safe to call twice. */
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

/**
 * initdb refuses to run as root, so as root the cluster runs as a non-root OS user:
 * PG_BACKUP_CLUSTER_USER, else `postgres`. Not root: the current user.
 */
function clusterOsUser(): OsUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const name = process.env[TASK_ENV.clusterUser] ?? 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch (error) {
    throw new PgBackupError(
      `running as root, a throwaway PostgreSQL needs a non-root OS user and '${name}' does not exist: ` +
        'create one (useradd postgres) or set PG_BACKUP_CLUSTER_USER',
      { cause: error },
    );
  }
}

/** Runs a PostgreSQL program as the cluster's OS user, in the C.UTF-8 locale. */
function run(program: string, args: string[], user: OsUser | undefined): Promise<string> {
  return runTool(program, postgresBinary(program), args, {
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
}

const FAST_SETTINGS: Record<string, string> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_wal_size: '4GB',
  checkpoint_timeout: '30min',
  maintenance_work_mem: '256MB',
  autovacuum: 'off',
  // No replicas or archives: with minimal WAL, pg_restore's parallel data load (TRUNCATE + COPY in
  // one transaction on a table it just created) skips writing the data to WAL at all.
  wal_level: 'minimal',
  max_wal_senders: '0',
  // Values that must be TOASTed are compressed again on restore: lz4 does it several times faster than pglz.
  default_toast_compression: 'lz4',
};

/**
 * Starts a PostgreSQL cluster in a fresh temporary directory, listening on 127.0.0.1 at a free port
 * and on a unix socket inside that directory. Used by `pg-backup verify` (restore target), the local
 * drill, and the tests.
 */
export async function startThrowawayCluster(options: ThrowawayClusterOptions = {}): Promise<ThrowawayCluster> {
  const superuser = options.superuser ?? 'postgres';
  const user = clusterOsUser();
  const root = mkdtempSync(join(options.parentDir ?? tmpdir(), 'pg-backup-cluster-'));
  const dataDir = join(root, 'data');
  const socketDir = root;
  if (user) chownSync(root, user.uid, user.gid);
  chmodSync(root, 0o700);

  let started = false;
  const stop = async (): Promise<void> => {
    if (started) {
      started = false;
      await run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], user).catch(() => undefined);
    }
    rmSync(root, { recursive: true, force: true });
  };

  try {
    const initdbArgs = ['-D', dataDir, '-U', superuser, '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'];
    if (options.superuserPassword !== undefined) {
      const pwfile = join(root, 'pwfile');
      writeFileSync(pwfile, `${options.superuserPassword}\n`, { mode: 0o600 });
      if (user) chownSync(pwfile, user.uid, user.gid);
      initdbArgs.push(`--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256');
    } else {
      initdbArgs.push('--auth=trust');
    }
    await run('initdb', initdbArgs, user);
    rmSync(join(root, 'pwfile'), { force: true });

    const port = await freePort();
    const settings = { ...(options.fast === false ? {} : FAST_SETTINGS), ...options.settings };
    const serverOptions = [
      `-p ${port}`,
      `-k ${socketDir}`,
      '-c listen_addresses=127.0.0.1',
      ...Object.entries(settings).map(([key, value]) => `-c ${key}=${value}`),
    ].join(' ');
    await run('pg_ctl', ['-D', dataDir, '-l', join(root, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start'], user);
    started = true;

    const password = options.superuserPassword;
    return {
      host: '127.0.0.1',
      port,
      superuser,
      superuserPassword: password,
      socketDir,
      dataDir,
      url: (database = 'postgres') => {
        const auth =
          password === undefined ? encodeURIComponent(superuser) : `${encodeURIComponent(superuser)}:${encodeURIComponent(password)}`;
        return `postgresql://${auth}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
