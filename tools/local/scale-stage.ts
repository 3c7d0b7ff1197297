import { statSync } from 'node:fs';
import * as path from 'node:path';
import { example } from '../../config/stages/example.js';
import type { AppConfig } from '../../lib/config/app-config.js';
import type { DatabaseConfig } from '../../lib/config/database-config.js';
import { pgBackupApp } from '../../lib/pg-backup-app.js';

/**
 * The n-th database of a generated estate (1-based), a mix a real one has: mostly RDS instances with their
 * security group named, every tenth a host with its login's secret by name (no group: private addresses), every
 * twentieth too large for Fargate's ephemeral storage (verify on a 1,000 GiB volume), every fifteenth with
 * smoke queries.
 */
export function estateDatabase(n: number): DatabaseConfig {
  const id = `tenant-${String(n).padStart(3, '0')}`;
  const common = {
    id,
    ...(n % 15 === 0 ? { smokeQueries: [`SELECT count(*) > 0 FROM ${id.replace('-', '_')}.orders`] } : {}),
    ...(n % 20 === 0 ? { verifyTask: { vcpu: 8, memoryGiB: 32, volumeGiB: 1000, volumeThroughputMiBps: 500 } } : {}),
  };
  if (n % 10 === 0) {
    return { ...common, connection: { host: `${id}.db.internal`, database: 'app' }, secretName: `pg-backup/${id}/backup-login` };
  }
  return {
    ...common,
    connection: { rdsInstance: `${id}-prod`, database: 'app' },
    secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:pg-backup/${id}/backup-login-AbCdEf`,
    databaseSecurityGroupId: 'sg-0123456789abcdef0',
  };
}

/** The example stage with `n` generated databases. */
export function estateStage(n: number, base: AppConfig = example): AppConfig {
  return { ...base, databases: Array.from({ length: n }, (_, i) => estateDatabase(i + 1)) };
}

/** One synthesized stack: its resources and its template's size on disk (what cdk deploy uploads). */
export interface StackFigures {
  readonly name: string;
  readonly resources: number;
  readonly bytes: number;
  readonly templatePath: string;
}

export interface ScaleSynth {
  readonly databases: number;
  readonly stacks: readonly StackFigures[];
  readonly totalResources: number;
  /** Wall seconds of building and synthesizing the app, the nag packs and validators included. */
  readonly seconds: number;
}

/**
 * Synthesizes a stage of `n` generated databases as `cdk synth` does: cdk.json's flags, the nag packs and the
 * validators with findings as errors (a finding throws), and the CLI's path metadata on every resource (it
 * counts in the template's size), with `jobs` over the example's. Returns each stack's resources and template
 * size, and the time it took.
 */
export function synthScale(n: number, outdir: string, jobs?: AppConfig['jobs']): ScaleSynth {
  const started = process.hrtime.bigint();
  const stage = estateStage(n);
  const config = jobs ? { ...stage, jobs: { ...stage.jobs, ...jobs } } : stage;
  const { app } = pgBackupApp(config, { appProps: { outdir, context: { 'aws:cdk:enable-path-metadata': true } } });
  const assembly = app.synth();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stacks = assembly.stacks.map((s) => {
    const templatePath = path.join(assembly.directory, s.templateFile);
    return {
      name: s.stackName,
      resources: Object.keys((s.template as { Resources: object }).Resources).length,
      bytes: statSync(templatePath).size,
      templatePath,
    };
  });
  return { databases: n, stacks, totalResources: stacks.reduce((sum, s) => sum + s.resources, 0), seconds };
}

/** Resources each added database costs, between two synths of the same estate. */
export function resourcesPerAddedDatabase(small: ScaleSynth, large: ScaleSynth): number {
  return (large.totalResources - small.totalResources) / (large.databases - small.databases);
}
