import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { PgBackupRule } from './pg-backup-rule.js';
import { alarmNotifiesBothWays } from './rules/alarm-notifies-both-ways.js';
import { backupBucketProtected } from './rules/backup-bucket-protected.js';
import { noBackupTamperingGrant } from './rules/no-backup-tampering-grant.js';

/** Every rule of the pack, one per file in ./rules/. */
export const PG_BACKUP_RULES: readonly PgBackupRule[] = [noBackupTamperingGrant, backupBucketProtected, alarmNotifiesBothWays];

/**
 * Our invariants as a cdk-nag pack, checked at every synth of every stage next to AwsSolutions and NIST
 * 800-53: no statement lets anyone delete backups or loosen a backup bucket, every backup bucket is
 * locked, versioned, encrypted with our key and TLS-only, every alarm notifies on ALARM and on OK.
 * Findings are errors: `PgBackup-<rule>[<finding>]`, acknowledged like cdk-nag's with Validations.
 */
export class PgBackupChecks extends NagPack {
  readonly name = 'PgBackup';

  constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = 'PgBackup';
  }

  protected checkResource(node: CfnResource): void {
    for (const rule of PG_BACKUP_RULES) {
      this.applyRule({
        ruleSuffixOverride: rule.id,
        info: rule.info,
        explanation: rule.explanation,
        level: NagMessageLevel.ERROR,
        rule: rule.check,
        node,
      });
    }
  }
}
