import { formatBytes, formatDuration } from '../../src/contract/freshness/duration.js';
import type { RecoveryTargets } from '../../src/contract/recovery-targets.js';
import type { DeployedStack } from '../local/deploy-to-moto.js';
import type { MotoRewrite } from '../local/moto-template-rewrites.js';

/** One step of the drill: what it did, how long it took, whether it worked. */
export interface DrillStep {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail?: string;
}

/** One job run from its deployed task definition. */
export interface DrillTaskRun {
  readonly job: 'dump' | 'verify';
  readonly family: string;
  readonly taskDefinitionArn: string;
  /** The container command, from the task definition. */
  readonly command: readonly string[];
  /** The container environment, from the task definition (settings and the secret's ARN, no secret value). */
  readonly environment: Readonly<Record<string, string>>;
  /** What the image and this machine provided besides, one line each. */
  readonly standIns: readonly string[];
  readonly exitCode: number;
  readonly seconds: number;
}

/** The app as deployed to the emulator, and everything that differs from AWS. */
export interface DrillEmulator {
  readonly stacks: readonly DeployedStack[];
  /** describeRewrites() of `rewrites`: one line per change made so that moto could deploy the app. */
  readonly changes: readonly string[];
  readonly rewrites: readonly MotoRewrite[];
  readonly tasks: DrillTaskRun[];
  freshness?: {
    readonly functionArn: string;
    /** The names of the deployed function's environment variables. */
    readonly environment: readonly string[];
    readonly standIns: readonly string[];
  };
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
  readonly verification?: {
    readonly passed: boolean;
    readonly restoreSeconds?: number;
    /** The whole recovery verify measured (download to smoke queries): what the RTO alarm watches. */
    readonly recoverySeconds?: number;
    readonly mismatches: readonly string[];
  };
  /** The database's RPO and RTO, as the deployed freshness function's environment gives them. */
  readonly targets?: RecoveryTargets;
  /** Recovery point: age of the newest backup when the disaster struck. */
  readonly rpoSeconds?: number;
  /** Whether `rpoSeconds` is within the RPO target. */
  readonly rpoMet?: boolean;
  /** Recovery time: from the decision to restore to a verified, analyzed database. */
  readonly rtoSeconds?: number;
  /** Whether `rtoSeconds` is within the RTO target. */
  readonly rtoMet?: boolean;
  readonly restoredEqualsDumped?: boolean;
  readonly differences?: readonly string[];
  readonly alerts?: readonly { readonly when: string; readonly subject: string }[];
  readonly emulator?: DrillEmulator;
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
  if (report.verification) {
    const v = report.verification;
    lines.push(
      `  verification  ${v.passed ? 'passed' : 'FAILED'}${v.restoreSeconds !== undefined ? `, restore ${v.restoreSeconds.toFixed(1)} s` : ''}${v.recoverySeconds !== undefined ? `, whole recovery ${v.recoverySeconds.toFixed(1)} s` : ''}`,
    );
  }
  const target = (seconds: number | undefined, met: boolean | undefined) =>
    seconds === undefined ? '' : `  target ${formatDuration(seconds)}: ${met ? 'met' : 'MISSED'}`;
  if (report.rpoSeconds !== undefined)
    lines.push(
      `  RPO           ${formatDuration(Math.round(report.rpoSeconds))}${target(report.targets?.rpoSeconds, report.rpoMet)} (${report.rpoSeconds.toFixed(1)} s: age of the newest backup when the disaster struck)`,
    );
  if (report.rtoSeconds !== undefined)
    lines.push(
      `  RTO           ${report.rtoSeconds.toFixed(1)} s${target(report.targets?.rtoSeconds, report.rtoMet)} (download, checksum, safety dump, restore, ANALYZE, row-count check)`,
    );
  if (report.restoredEqualsDumped !== undefined) {
    lines.push(
      `  data          ${report.restoredEqualsDumped ? 'restored data equals the data at dump time (schema, every row, sequences, large objects)' : `DIFFERS: ${report.differences?.join('; ')}`}`,
    );
  }
  for (const alert of report.alerts ?? []) lines.push(`  alert         [${alert.when}] ${alert.subject}`);
  if (report.alerts && report.alerts.length === 0) lines.push('  alerts        none raised');
  if (report.emulator) lines.push('', ...renderEmulator(report.emulator));
  if (report.reportFile) lines.push('', `  JSON report: ${report.reportFile}`);
  return `${lines.join('\n')}\n`;
}

/** What was deployed to the emulator, what differs from AWS, and where the jobs' commands and environments came from. */
function renderEmulator(emulator: DrillEmulator): string[] {
  const lines = [
    `  deployed      ${emulator.stacks.length} stacks with cdklocal, in order: ${emulator.stacks.map((s) => `${s.name} (${s.region}, ${s.seconds.toFixed(1)} s)`).join(', ')}`,
    '  emulator      changed so that moto could deploy it:',
    ...emulator.changes.map((change) => `    - ${change}`),
  ];
  for (const task of emulator.tasks) {
    lines.push(
      `  ${task.job.padEnd(13)} run from its deployed task definition ${task.taskDefinitionArn}: command [${task.command.join(' ')}], ` +
        `environment ${Object.keys(task.environment).join(', ')}; exit ${task.exitCode}, ${task.seconds.toFixed(1)} s`,
      ...task.standIns.map((standIn) => `    - ${standIn}`),
    );
  }
  if (emulator.freshness) {
    lines.push(
      `  freshness     run with the deployed function's environment (${emulator.freshness.environment.join(', ')}) of ${emulator.freshness.functionArn}`,
      ...emulator.freshness.standIns.map((standIn) => `    - ${standIn}`),
    );
  }
  return lines;
}
