import { Command, Option } from 'commander';
import { resolveConnection } from '../../aws/database-credentials.js';
import { s3ClientFromEnvironment } from '../../aws/s3-client.js';
import { runDump } from '../../backup/dump.js';
import { DEFAULT_ZSTD_LEVEL } from '../../backup/zstd.js';
import { TASK_ENV } from '../../contract/task-environment.js';
import { redactUrl } from '../../postgres/connection.js';
import { commonOptions, parseWholeNumber } from '../common-options.js';
import { reporterFor } from '../reporters.js';

interface DumpFlags {
  dbId: string;
  bucket: string;
  source?: string;
  rdsInstance?: string;
  secretArn?: string;
  database?: string;
  kmsKeyId?: string;
  compressionLevel?: number;
  smokeQuery?: string[];
  json?: boolean;
}

/** `pg-backup dump`: one consistent, compressed, checksummed backup streamed to S3. */
export function dumpCommand(): Command {
  return new Command('dump')
    .description(
      'Back up one database: pg_dump (custom format) of one consistent snapshot, zstd-compressed and streamed to S3 under SSE-KMS with a SHA-256, ' +
        'exact row counts of every table read from the dump itself as it streams (no second read of the source), the roles (no passwords), a manifest, and only then the latest pointer. ' +
        'The password comes from --secret-arn, PGPASSWORD or ~/.pgpass and reaches pg_dump through its environment.',
    )
    .addOption(commonOptions.databaseId())
    .addOption(commonOptions.bucket())
    .addOption(
      new Option(
        '--source <url>',
        'postgresql://user@host:5432/database (keep the password out of it: use PG_BACKUP_SOURCE, PGPASSWORD or --secret-arn)',
      ).env(TASK_ENV.source),
    )
    .addOption(
      new Option('--rds-instance <name>', 'RDS instance identifier: the endpoint comes from DescribeDBInstances').env(
        'PG_BACKUP_RDS_INSTANCE',
      ),
    )
    .addOption(
      new Option('--secret-arn <arn>', 'Secrets Manager secret with username and password (JSON, as RDS secrets are)').env(
        'PG_BACKUP_SECRET_ARN',
      ),
    )
    .addOption(
      new Option(
        '--database <name>',
        "database name on the RDS instance (default: the secret's dbname, else the instance's, else postgres)",
      ).env(TASK_ENV.database),
    )
    .addOption(commonOptions.kmsKeyId())
    .addOption(
      new Option('--compression-level <n>', 'zstd level, 1 (fastest) to 19')
        .env(TASK_ENV.compressionLevel)
        .default(DEFAULT_ZSTD_LEVEL)
        .argParser((value: string) => parseWholeNumber(value, 1, 19)),
    )
    .addOption(
      commonOptions.smokeQueries(
        'SQL kept in the manifest, which `restore` runs on its target afterwards (each must return a true / non-zero first value)',
      ),
    )
    .addOption(new Option('--json', 'print the manifest as JSON on stdout when done').env(TASK_ENV.json))
    .action(async (flags: DumpFlags) => {
      const reporter = reporterFor();
      if (flags.source && /\/\/[^/@]*:[^/@]+@/.test(flags.source) && process.argv.some((arg) => arg.includes(flags.source!))) {
        reporter.warn(
          'the --source URL holds a password, which other users of this machine can see in the process list; use PG_BACKUP_SOURCE, PGPASSWORD or --secret-arn',
          {
            source: redactUrl(flags.source),
          },
        );
      }
      const { target, rdsInstance } = await resolveConnection({
        url: flags.source,
        rdsInstance: flags.rdsInstance,
        secretArn: flags.secretArn,
        database: flags.database,
        urlFlag: '--source',
      });
      // ECS stops a task with SIGTERM: abort the multipart upload rather than leave it open.
      const controller = new AbortController();
      const stop = (signal: NodeJS.Signals) => {
        reporter.warn('stopping: aborting the upload, this backup will not be published', { signal });
        controller.abort();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const manifest = await runDump({
        signal: controller.signal,
        s3: s3ClientFromEnvironment(),
        bucket: flags.bucket,
        databaseId: flags.dbId,
        source: target,
        rdsInstance,
        kmsKeyId: flags.kmsKeyId,
        compressionLevel: flags.compressionLevel,
        ...(flags.smokeQuery ? { smokeQueries: flags.smokeQuery } : {}),
        reporter,
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
      else
        process.stdout.write(
          `backup ${manifest.backupId} of ${manifest.databaseId}: ${manifest.tables.length} tables, ${manifest.rawBytes} bytes dumped, ${manifest.dump.storedBytes} stored, ${manifest.durationSeconds.toFixed(1)} s\n`,
        );
    });
}
