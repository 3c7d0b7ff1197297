import { formatBytes, formatDuration } from '../../src/contract/freshness/duration.js';

/** One step of the drill: what it did, how long it took, whether it worked. */
export interface DrillStep {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail?: string;
}

/** What `pg-backup drill` proves, as printed and as written to JSON. */
export interface DrillReport {
  readonly ok: boolean;
  readonly startedAt: string;
  readonly steps: readonly DrillStep[];
  readonly database?: { readonly id: string; readonly bytes: number; readonly tables: number; readonly rows: number };
  readonly backup?: {
    readonly backupId: string;
    readonly bucket: string;
    readonly rawBytes: number;
    readonly storedBytes: number;
    readonly compressionRatio: number;
    readonly dumpSeconds: number;
    /** Database bytes per second of the dump. */
    readonly throughputBytesPerSecond: number;
  };
  readonly verification?: { readonly passed: boolean; readonly restoreSeconds?: number; readonly mismatches: readonly string[] };
  /** Recovery point: age of the newest backup when the disaster struck. */
  readonly rpoSeconds?: number;
  /** Recovery time: from the decision to restore to a verified, analyzed database. */
  readonly rtoSeconds?: number;
  readonly restoredEqualsDumped?: boolean;
  readonly differences?: readonly string[];
  readonly alerts?: readonly { readonly when: string; readonly subject: string }[];
  readonly reportFile?: string;
}

/** The report a person takes in at a glance. */
export function renderDrillReport(report: DrillReport): string {
  const lines: string[] = ['', `pg-backup disaster-recovery drill: ${report.ok ? 'PASSED' : 'FAILED'}`, ''];
  for (const step of report.steps) {
    lines.push(
      `  ${step.ok ? '✓' : '✗'} ${step.name.padEnd(58)} ${step.seconds.toFixed(1).padStart(6)} s${step.detail ? `  ${step.detail}` : ''}`,
    );
  }
  lines.push('');
  if (report.database)
    lines.push(
      `  database      ${report.database.id}: ${formatBytes(report.database.bytes)}, ${report.database.tables} tables, ${report.database.rows.toLocaleString('en-US')} rows`,
    );
  if (report.backup) {
    const b = report.backup;
    lines.push(
      `  backup        ${b.backupId}: ${formatBytes(b.rawBytes)} dumped -> ${formatBytes(b.storedBytes)} stored (compression ${b.compressionRatio.toFixed(1)}x), ${b.dumpSeconds.toFixed(1)} s, ${formatBytes(b.throughputBytesPerSecond)}/s`,
    );
  }
  if (report.verification)
    lines.push(
      `  verification  ${report.verification.passed ? 'passed' : 'FAILED'}${report.verification.restoreSeconds !== undefined ? `, restore ${report.verification.restoreSeconds.toFixed(1)} s` : ''}`,
    );
  if (report.rpoSeconds !== undefined)
    lines.push(
      `  RPO           ${formatDuration(Math.round(report.rpoSeconds))} (${report.rpoSeconds.toFixed(1)} s: age of the newest backup when the disaster struck)`,
    );
  if (report.rtoSeconds !== undefined)
    lines.push(`  RTO           ${report.rtoSeconds.toFixed(1)} s (download, checksum, safety dump, restore, ANALYZE, row-count check)`);
  if (report.restoredEqualsDumped !== undefined) {
    lines.push(
      `  data          ${report.restoredEqualsDumped ? 'restored data equals the data at dump time (schema, every row, sequences, large objects)' : `DIFFERS: ${report.differences?.join('; ')}`}`,
    );
  }
  for (const alert of report.alerts ?? []) lines.push(`  alert         [${alert.when}] ${alert.subject}`);
  if (report.alerts && report.alerts.length === 0) lines.push('  alerts        none raised');
  if (report.reportFile) lines.push('', `  JSON report: ${report.reportFile}`);
  return `${lines.join('\n')}\n`;
}
