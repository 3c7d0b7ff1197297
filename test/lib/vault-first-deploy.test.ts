import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, test } from 'vitest';
import { example } from '../../config/stages/example.js';
import type { AppConfig } from '../../lib/config/app-config.js';
import { addPgBackupStacks, addVaultStackOnly, cdkJsonContext } from '../../lib/pg-backup-app.js';

// The first deploy of a production stage with a vault: the vault's key does not exist yet, so the stage cannot
// name it. `-c vaultFirst=true` (bin/app.ts) synthesizes the vault stack alone, with every gate, and nothing else.
const { replicaKeyArn: _notYetDeployed, ...vaultBeforeItsFirstDeploy } = example.vault!;
const beforeVaultDeploy: AppConfig = { ...example, vault: vaultBeforeItsFirstDeploy };

const outdirs: string[] = [];
function newApp(): App {
  const outdir = mkdtempSync(path.join(tmpdir(), 'pg-backup-vault-first-'));
  outdirs.push(outdir);
  return new App({ outdir, context: cdkJsonContext() });
}
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('the first deploy of a stage with a vault account', () => {
  test('the whole stage refuses to synthesize without the vault key ARN, and says how to get it', () => {
    expect(() => addPgBackupStacks(newApp(), beforeVaultDeploy, 'config/stages/prod.ts')).toThrow(
      /`vault\.replicaKeyArn` \(missing\) is required for a production stage: deploy the vault stack first \(`cdk deploy -c vaultFirst=true <app>-replica-storage`\)/,
    );
  });

  test('vaultFirst synthesizes the vault stack alone, in the vault account, through the security gates', () => {
    const app = newApp();
    const vault = addVaultStackOnly(app, beforeVaultDeploy, 'config/stages/prod.ts');
    const assembly = app.synth();
    expect(assembly.stacks.map((s) => [s.stackName, s.environment.account, s.environment.region])).toEqual([
      ['pg-backup-replica-storage', '210987654321', 'eu-central-1'],
    ]);
    expect(vault.templateOptions.description).toContain('vault account 210987654321');
    expect(Object.keys(assembly.getStackByName('pg-backup-replica-storage').template.Outputs)).toContain('ReplicaKeyArn');
  });

  test('vaultFirst still checks everything else, and refuses a stage without a vault', () => {
    const weakLock: AppConfig = { ...beforeVaultDeploy, storage: { ...example.storage, objectLock: { mode: 'GOVERNANCE', days: 400 } } };
    expect(() => addVaultStackOnly(newApp(), weakLock, 'config/stages/prod.ts')).toThrow(
      /`storage\.objectLock\.mode` \('GOVERNANCE'\) must be COMPLIANCE/,
    );
    const { vault: _none, ...oneAccount } = example;
    expect(() => addVaultStackOnly(newApp(), { ...oneAccount, replicaRegion: 'eu-central-1' }, 'config/stages/trial.ts')).toThrow(
      /-c vaultFirst=true deploys the vault stack alone, but config\/stages\/trial\.ts has no `vault`/,
    );
  });
});
