import { statSync } from 'node:fs';
import { join } from 'node:path';
import { example } from './config/stages/example.js';
import type { AppConfig } from './lib/config/app-config.js';
import { pgBackupApp } from './lib/pg-backup-app.js';

function stage(n: number): AppConfig {
  return {
    ...example,
    databases: Array.from({ length: n }, (_, i) => {
      const id = `db-${String(i + 1).padStart(3, '0')}`;
      return {
        id,
        connection: { rdsInstance: `${id}-prod`, database: 'app' },
        secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/${id}/backup-login-AbCdEf`,
        databaseSecurityGroupId: 'sg-0123456789abcdef0',
      };
    }),
  };
}
const nag = process.argv[3] !== 'nonag';
for (const n of process.argv[2]!.split(',').map(Number)) {
  const started = Date.now();
  const { app } = pgBackupApp(stage(n), {
    nag,
    appProps: {
      outdir: `/tmp/scale14/new-${n}`,
      context: { 'aws:cdk:enable-path-metadata': true, ...(nag ? {} : { '@aws-cdk/core:validateAgainstDefaultRules': false }) },
    },
  });
  const assembly = app.synth();
  const secs = (Date.now() - started) / 1000;
  const rows = assembly.stacks.map(
    (s) =>
      `${s.stackName}=${Object.keys((s.template as any).Resources).length}/${Math.round(statSync(join(assembly.directory, s.templateFile)).size / 1024)}KB`,
  );
  console.log(`${n} dbs: ${secs.toFixed(1)} s  ${rows.join(' ')}`);
}
