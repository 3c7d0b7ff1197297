import type { RestoreRecord } from '../contract/manifest.js';

/** The alert a restore sends: subject, the e-mail text, and the AWS Chatbot card (as the freshness alerts are). */
export interface RestoreNotification {
  readonly subject: string;
  readonly text: string;
  readonly card: unknown;
}

/** What on-call reads about a restore: what was restored where, by whom, how it ended, and where the record is. */
export function renderRestoreNotification(record: RestoreRecord, bucket: string, recordKey: string | undefined): RestoreNotification {
  const verb = { succeeded: 'restored', failed: 'restore FAILED', refused: 'restore refused' }[record.result];
  const subject = `pg-backup ${record.databaseId}: ${verb}: ${record.backup} into ${record.target}`;
  const facts = [
    `Who: ${record.restoredBy.arn} (account ${record.restoredBy.account})`,
    `What: ${record.backup} of ${record.databaseId}, from s3://${bucket}`,
    `Where: ${record.target}`,
    `When: ${record.startedAt} to ${record.finishedAt} (${record.durationSeconds.toFixed(1)} s)`,
    `Result: ${record.result}${record.error ? `: ${record.error}` : ''}`,
    record.verification
      ? `Backup verification: ${record.verification.passed ? 'passed' : 'FAILED'} at ${record.verification.verifiedAt}${record.allowUnverified ? ' (--allow-unverified)' : ''}`
      : `Backup verification: never verified${record.allowUnverified ? ' (--allow-unverified)' : ''}`,
    ...(record.terminatedSessions ? [`Sessions ended on the target: ${record.terminatedSessions}`] : []),
    record.safetyDump
      ? `Previous content of the target: ${record.safetyDump.id} (s3://${bucket}/${record.safetyDump.key}); put it back with --backup ${record.safetyDump.id} --replace`
      : 'Safety dump: none (the target held no tables, or nothing was changed)',
    ...(record.smokeQueries.length > 0
      ? [`Smoke queries: ${record.smokeQueries.filter((q) => q.passed).length} of ${record.smokeQueries.length} passed`]
      : []),
    recordKey ? `Audit record: s3://${bucket}/${recordKey}` : 'Audit record: NOT STORED (see the error above)',
  ];
  const text = [subject, '', ...facts].join('\n');
  const icon = record.result === 'succeeded' ? ':information_source:' : ':rotating_light:';
  return {
    subject,
    text,
    card: {
      version: '1.0',
      source: 'custom',
      id: `pg-backup-restore-${record.databaseId}-${Date.parse(record.startedAt)}`,
      content: {
        textType: 'client-markdown',
        title: `${icon} ${subject}`,
        description: facts.map((line) => `• ${line}`).join('\n'),
        keywords: ['pg-backup', record.databaseId, 'restore', record.result],
      },
      metadata: {
        threadId: `pg-backup-${record.databaseId}`,
        summary: subject,
        eventType: 'PgBackupRestore',
        relatedResources: [`arn:aws:s3:::${bucket}`],
        additionalContext: { databaseId: record.databaseId, backup: record.backup, result: record.result },
      },
    },
  };
}
