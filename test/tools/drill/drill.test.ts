import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import type { DrillReport } from '../../../tools/drill/drill-report.js';

const DRILL = join(import.meta.dirname, '../../../tools/drill/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'pg-backup-drill-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** True when nothing listens on the port any more. */
function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

function portsOf(report: DrillReport): number[] {
  return report.steps.flatMap((s) => [...(s.detail ?? '').matchAll(/(?:127\.0\.0\.1|localhost):(\d+)/g)].map((m) => Number(m[1])));
}

describe('pg-backup drill (its own PostgreSQL and moto, the four stacks deployed with cdklocal)', () => {
  it('passes, runs the jobs from their deployed definitions, reports RPO and RTO, proves the restored data, and stops everything it started', async () => {
    const reportFile = join(dir, 'report.json');
    const result = await execa('node', ['--import', 'tsx', DRILL, '--size-mb', '20', '--report', reportFile], {
      reject: false,
      env: { PG_BACKUP_LOG_FORMAT: 'json' },
      timeout: 170_000,
    });

    expect(result.exitCode, String(result.stdout) + String(result.stderr)).toBe(0);
    expect(String(result.stdout)).toMatch(/drill: PASSED[\s\S]*RPO\s+\d+ s[\s\S]*RTO\s+[\d.]+ s/);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as DrillReport;
    expect(report).toMatchObject({ ok: true, restoredEqualsDumped: true, verification: { passed: true } });
    expect(report.rpoSeconds).toBeGreaterThan(0);
    expect(report.rtoSeconds).toBeGreaterThan(0);
    // measured against the targets the deployed function carries (the stage's defaults: RPO 26 h, RTO 4 h)
    expect(report).toMatchObject({ targets: { rpoSeconds: 26 * 3600, rtoSeconds: 4 * 3600 }, rpoMet: true, rtoMet: true });
    expect(report.verification!.recoverySeconds).toBeGreaterThan(report.verification!.restoreSeconds!);
    expect(String(result.stdout)).toMatch(/RPO\s+\d+ s {2}target 26 h: met/);
    expect(String(result.stdout)).toMatch(/RTO\s+[\d.]+ s {2}target 4 h: met/);
    expect(report.backup!.storedBytes).toBeLessThan(report.backup!.rawBytes);
    expect(report.alerts).toEqual([
      { when: 'in 27 h without a new backup', subject: 'pg-backup shop: newest backup is 27 h old (limit 26 h)' },
    ]);

    // The four stacks were deployed, and what the emulator lacks is reported.
    const emulator = report.emulator!;
    expect(emulator.stacks.map((s) => s.name)).toEqual([
      'pg-backup-replica-storage',
      'pg-backup-primary-storage',
      'pg-backup-jobs',
      'pg-backup-monitoring',
    ]);
    expect(emulator.changes).toContainEqual(expect.stringMatching(/^pg-backup-jobs: image not built/));
    expect(emulator.changes).toContainEqual(expect.stringMatching(/^pg-backup-jobs: removed Custom::VpcRestrictDefaultSG/));
    expect(emulator.changes).toContainEqual(
      expect.stringMatching(/^pg-backup-monitoring: not created by the emulator: AWS::DynamoDB::GlobalTable x1/),
    );
    expect(String(result.stdout)).toMatch(/deployed {6}4 stacks with cdklocal/);

    // dump and verify ran from their deployed task definitions, with their command and environment.
    const [dump, verify] = emulator.tasks;
    expect(dump).toMatchObject({
      job: 'dump',
      taskDefinitionArn: expect.stringMatching(/:task-definition\/pg-backup-shop-dump:\d+$/),
      command: ['dump'],
      exitCode: 0,
      environment: {
        PG_BACKUP_DB_ID: 'shop',
        PG_BACKUP_BUCKET: report.backup!.bucket,
        PG_BACKUP_SECRET_ARN: expect.stringMatching(/^arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup-drill\/shop-/),
        PG_BACKUP_SOURCE: expect.stringMatching(/^postgresql:\/\/127\.0\.0\.1:\d+\/shop$/),
        PGSSLMODE: 'disable',
      },
    });
    expect(verify).toMatchObject({
      job: 'verify',
      taskDefinitionArn: expect.stringMatching(/:task-definition\/pg-backup-shop-verify:\d+$/),
      command: ['verify'],
      exitCode: 0,
    });
    expect(dump!.standIns).toContainEqual(expect.stringMatching(/^image not built \(no Docker engine\)/));
    expect(emulator.freshness!.standIns).toContainEqual(expect.stringMatching(/moto cannot invoke a Lambda without a Docker engine/));
    expect(emulator.freshness!.environment).toEqual(
      expect.arrayContaining(['BACKUP_BUCKET', 'ALERT_TOPIC_ARN', 'ALERT_STATE_TABLE', 'DATABASES']),
    );

    for (const port of portsOf(report)) expect(await portClosed(port)).toBe(true);
  });

  it('interrupted with Ctrl-C: exits non-zero and stops what it had started', async () => {
    const reportFile = join(dir, 'interrupted.json');
    const drill = execa('node', ['--import', 'tsx', DRILL, '--size-mb', '20', '--report', reportFile], {
      reject: false,
      env: { PG_BACKUP_LOG_FORMAT: 'json' },
      timeout: 170_000,
    });
    // Interrupt once the emulator is up and the deploy has begun.
    await new Promise<void>((resolve) => {
      drill.stderr!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('drill: deploy the four stacks')) resolve();
      });
    });
    drill.kill('SIGINT');
    const result = await drill;

    expect(result.exitCode).not.toBe(0);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as DrillReport;
    expect(report.ok).toBe(false);
    expect(portsOf(report).length).toBeGreaterThanOrEqual(2);
    for (const port of portsOf(report)) expect(await portClosed(port)).toBe(true);
  });
});
