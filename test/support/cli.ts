import { join } from 'node:path';
import { execa } from 'execa';
import { motoEndpoint } from './services.js';

const BIN = join(import.meta.dirname, '../../bin/pg-backup.js');

export interface CliResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `pg-backup` executable as a child process against the run's moto server, with JSON
 * log lines (not a terminal). `env` adds to or overrides the environment (e.g. PGPASSWORD).
 */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const result = await startCli(args, env);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Starts the executable like runCli, for tests that signal it while it runs. */
export function startCli(args: readonly string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], {
    reject: false,
    env: {
      AWS_ENDPOINT_URL: motoEndpoint(),
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      PG_BACKUP_LOG_FORMAT: 'json',
      ...env,
    },
    timeout: 170_000,
  });
}
