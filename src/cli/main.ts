import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { TASK_ENV } from '../contract/task-environment.js';
import { PgBackupError } from '../errors.js';
import { downloadCommand } from './commands/download.js';
import { dumpCommand } from './commands/dump.js';
import { listCommand } from './commands/list.js';
import { restoreCommand } from './commands/restore.js';
import { statusCommand } from './commands/status.js';
import { verifyCommand } from './commands/verify.js';
import { exitCodeOf } from './exit-codes.js';

/** Builds the `pg-backup` command tree. Subcommands register themselves in ./commands/. */
export function buildProgram(): Command {
  const program = new Command('pg-backup')
    .description('Encrypted, verified PostgreSQL backups in S3: dump, verify, restore, download, list, status')
    .version(packageJson.version)
    .showHelpAfterError();
  program.addCommand(dumpCommand());
  program.addCommand(verifyCommand());
  program.addCommand(restoreCommand());
  program.addCommand(downloadCommand());
  program.addCommand(listCommand());
  program.addCommand(statusCommand());
  return program;
}

/** Entry point used by bin/pg-backup.js; returns the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    process.stderr.write(describeFailure(error, { debug: env[TASK_ENV.debug] === '1' }));
    return exitCodeOf(error);
  }
}

/**
 * What a failed command prints: the message, then every cause (`caused by: ...`). A PgBackupError
 * is a failure we foresaw and its message says what to do; anything else is a bug, so it also prints
 * its stack, and so does every failure with PG_BACKUP_DEBUG=1.
 */
export function describeFailure(error: unknown, options: { debug: boolean }): string {
  const expected = error instanceof PgBackupError;
  const lines = [`pg-backup: ${expected ? (error as Error).message : `unexpected ${describeError(error)}`}`];
  const chain = causesOf(error);
  for (const cause of chain) lines.push(`  caused by: ${describeError(cause)}`);
  if (!expected || options.debug) {
    for (const [i, failure] of [error, ...chain].entries()) {
      const stack = failure instanceof Error ? failure.stack : undefined;
      if (stack) lines.push(i === 0 ? stack : `caused by: ${stack}`);
    }
  }
  if (!expected) lines.push('pg-backup did not foresee this failure: please report it with the lines above.');
  return `${lines.join('\n')}\n`;
}

/** The `cause` chain below `error`, outermost first; stops at a cycle. */
function causesOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  const seen = new Set<unknown>([error]);
  let current = error instanceof Error ? error.cause : undefined;
  while (current !== undefined && !seen.has(current)) {
    chain.push(current);
    seen.add(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
}
