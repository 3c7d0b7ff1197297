#!/usr/bin/env -S npx tsx
// The CDK app: `cdk synth|deploy --all [-c stage=<name>]`. Picks the stage's configuration, validates
// it (every problem at once) and builds the stacks with their security gates.
import { App } from 'aws-cdk-lib';
import { DEFAULT_STAGE, STAGES } from '../config/stages/index.js';
import { addPgBackupStacks, addVaultStackOnly, cdkJsonContext } from '../lib/pg-backup-app.js';

// cdk.json's flags as defaults, so `npx tsx bin/app.ts` alone builds what `cdk synth` builds; the CLI's context wins.
const app = new App({ context: cdkJsonContext() });
const stage = (app.node.tryGetContext('stage') as string | undefined) ?? DEFAULT_STAGE;
const config = STAGES[stage];
if (!config) {
  throw new Error(`Unknown stage '${stage}' (-c stage=...): known stages are ${Object.keys(STAGES).join(', ')} (config/stages/index.ts)`);
}
const source = `config/stages/${stage}.ts`;
// -c vaultFirst=true: the first deploy of a stage with a vault account, the vault stack alone (docs/operations.md).
if (app.node.tryGetContext('vaultFirst') === 'true' || app.node.tryGetContext('vaultFirst') === true)
  addVaultStackOnly(app, config, source);
else addPgBackupStacks(app, config, source);
app.synth();
