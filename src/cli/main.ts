import { Command } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { dumpCommand } from './commands/dump.js';
import { listCommand } from './commands/list.js';
import { restoreCommand } from './commands/restore.js';
import { statusCommand } from './commands/status.js';
import { verifyCommand } from './commands/verify.js';

/** Builds the `pg-backup` command tree. Subcommands register themselves in ./commands/. */
export function buildProgram(): Command {
  const program = new Command('pg-backup')
    .description('Encrypted, verified PostgreSQL backups in S3: dump, verify, restore, list, status')
    .version(packageJson.version)
    .showHelpAfterError();
  program.addCommand(dumpCommand());
  program.addCommand(verifyCommand());
  program.addCommand(restoreCommand());
  program.addCommand(listCommand());
  program.addCommand(statusCommand());
  return program;
}

/** Entry point used by bin/pg-backup.js; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    process.stderr.write(`pg-backup: ${(error as Error).message}\n`);
    return 1;
  }
}
