import type { RestoreTier } from '../aws/s3-archive.js';
import type { ArchiveRetrieval } from '../backup/archive-retrieval.js';
import { redactUrl } from '../postgres/connection.js';
import type { Reporter } from '../reporting/reporter.js';

/** The flags restore, verify and download share for archived backups (common-options.ts restoreTier, wait, pollSeconds). */
export interface ArchiveFlags {
  restoreTier: RestoreTier;
  wait?: boolean;
  pollSeconds: number;
}

/** How this command treats an archived backup, and the command line that runs it again (passwords redacted). */
export function archiveRetrievalOf(flags: ArchiveFlags, reporter: Reporter, argv: readonly string[] = process.argv): ArchiveRetrieval {
  return { tier: flags.restoreTier, wait: Boolean(flags.wait), pollSeconds: flags.pollSeconds, reporter, rerun: commandLine(argv) };
}

/** `pg-backup <args>` as typed (quoted where needed), with any password in a URL replaced by ***. */
export function commandLine(argv: readonly string[]): string {
  const args = argv.slice(2).map((arg) => {
    const shown = redactUrl(arg);
    return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
  });
  return ['pg-backup', ...args].join(' ');
}
