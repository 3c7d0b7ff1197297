import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { afterEach, describe, expect, test } from 'vitest';
import { example } from '../../../config/stages/example.js';
import { PG_BACKUP_RULES, PgBackupChecks } from '../../../lib/nag/pg-backup-checks.js';
import { pgBackupApp } from '../../../lib/pg-backup-app.js';

const outdirs: string[] = [];
afterEach(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function outdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-backup-nag-'));
  outdirs.push(dir);
  return dir;
}

/** The storage stacks of the example stage, with a role in the primary stack that may delete backups. */
function stageThatGrantsADelete() {
  const built = pgBackupApp(example, { monitoring: false, jobsStack: false, appProps: { outdir: outdir() } });
  const cleaner = new iam.Role(built.primary, 'Cleaner', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  built.primary.backupBucket.bucket.grantDelete(cleaner);
  return { ...built, policy: cleaner.node.findChild('DefaultPolicy') };
}

describe('PgBackupChecks in the app', () => {
  test('the rule ids are PgBackup-<rule>, one rule per file', () => {
    expect(PG_BACKUP_RULES.map((r) => `PgBackup-${r.id}`)).toEqual([
      'PgBackup-NoBackupTamperingGrant',
      'PgBackup-BackupBucketProtected',
      'PgBackup-AlarmNotifiesBothWays',
    ]);
  });

  test('every stack of the example stage passes it', () => {
    const { app } = pgBackupApp(example, { appProps: { outdir: outdir() } });
    expect(new PgBackupChecks().validateScope(app)).toEqual({ success: true, violations: [] });
  });

  test("a stage that grants a delete fails synth with our pack's rule id", () => {
    const { app } = stageThatGrantsADelete();
    expect(() => app.synth()).toThrow(/PgBackup-NoBackupTamperingGrant\[Action::s3:DeleteObject\*\]/);
  });

  test('the finding names the policy; an acknowledgement beside it (one finding, a reason) silences exactly that finding', () => {
    const { app, policy } = stageThatGrantsADelete();
    const before = new PgBackupChecks().validateScope(app);
    expect(before.violations).toEqual([
      expect.objectContaining({
        ruleName: 'PgBackup-NoBackupTamperingGrant[Action::s3:DeleteObject*]',
        severity: 'error',
        violatingResources: [expect.objectContaining({ constructPath: 'pg-backup-primary-storage/Cleaner/DefaultPolicy/Resource' })],
      }),
    ]);

    Validations.of(policy).acknowledge({
      id: 'PgBackup-NoBackupTamperingGrant[Action::s3:DeleteObject*]',
      reason: 'test only: proves an acknowledgement beside the construct silences this one finding',
    });
    expect(new PgBackupChecks().validateScope(app).success).toBe(true);
  });
});
