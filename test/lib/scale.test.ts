import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { STACK_LIMITS } from '../../lib/nag/stack-limits.js';
import { resourcesPerAddedDatabase, type ScaleSynth, synthScale } from '../../tools/local/scale-stage.js';

// Issue 14: two hundred databases in one deployment. Stages of 1, 50 and 200 generated databases (tools/local/scale-stage.ts)
// are synthesized as `cdk synth` does: cdk-nag AwsSolutions and NIST 800-53, our own checks and CloudFormation's validator
// with findings as errors (a finding throws), stack limits, path metadata. cfn-lint checks the 200-database templates.

const outdir = mkdtempSync(path.join(tmpdir(), 'pg-backup-scale-'));
const synths = new Map<number, ScaleSynth>();
beforeAll(() => {
  for (const n of [1, 50, 200]) synths.set(n, synthScale(n, path.join(outdir, String(n))));
  // The figures the README quotes (npm run bench:scale prints the same).
  for (const s of synths.values()) {
    process.stdout.write(
      `${s.databases} databases: ${s.stacks.length} stacks, ${s.totalResources} resources, synth ${s.seconds.toFixed(1)} s; ` +
        `${s.stacks.map((x) => `${x.name} ${x.resources} / ${Math.round(x.bytes / 1024)} KB`).join(', ')}\n`,
    );
  }
}, 300_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('stages of 1, 50 and 200 databases', () => {
  test.each([1, 50, 200])('%i databases: every stack under 450 resources and 900 KB', (n) => {
    for (const stack of synths.get(n)!.stacks) {
      expect(stack.resources, stack.name).toBeLessThan(STACK_LIMITS.resources);
      expect(stack.bytes, stack.name).toBeLessThan(STACK_LIMITS.templateBytes);
    }
  });

  test('each added database costs at most 8 resources, across all stacks', () => {
    const [one, fifty, twoHundred] = [1, 50, 200].map((n) => synths.get(n)!);
    expect(resourcesPerAddedDatabase(one!, fifty!)).toBeLessThanOrEqual(8);
    expect(resourcesPerAddedDatabase(one!, twoHundred!)).toBeLessThanOrEqual(8);
    expect(resourcesPerAddedDatabase(fifty!, twoHundred!)).toBeLessThanOrEqual(8);
  });

  test('200 databases: five jobs stacks of 40, two monitoring stacks of 100, in the stack names of the split', () => {
    expect(synths.get(1)!.stacks.map((s) => s.name)).toEqual([
      'pg-backup-replica-storage',
      'pg-backup-primary-storage',
      'pg-backup-jobs',
      'pg-backup-monitoring',
    ]);
    expect(
      synths
        .get(200)!
        .stacks.map((s) => s.name)
        .sort(),
    ).toEqual(
      [
        'pg-backup-replica-storage',
        'pg-backup-primary-storage',
        'pg-backup-jobs',
        'pg-backup-jobs-2',
        'pg-backup-jobs-3',
        'pg-backup-jobs-4',
        'pg-backup-jobs-5',
        'pg-backup-monitoring',
        'pg-backup-monitoring-2',
      ].sort(),
    );
  });

  test('jobs.databasesPerStack at its maximum (50): the jobs stacks stay under the limits too', () => {
    const atMost = synthScale(100, path.join(outdir, 'max-per-stack'), { databasesPerStack: 50 });
    const jobs = atMost.stacks.filter((s) => s.name.startsWith('pg-backup-jobs'));
    expect(jobs.map((s) => s.name)).toEqual(['pg-backup-jobs', 'pg-backup-jobs-2']);
    for (const stack of jobs) {
      expect(stack.resources, stack.name).toBeLessThan(STACK_LIMITS.resources);
      expect(stack.bytes, stack.name).toBeLessThan(STACK_LIMITS.templateBytes);
    }
  }, 120_000);

  test('200 databases: cfn-lint finds no error in any template', async () => {
    const templates = synths.get(200)!.stacks.map((s) => s.templatePath);
    // W3005 (CDK's redundant DependsOn) and W3010 (the seeded AZs) are accepted in security-gates.test.ts, with their reasons.
    const result = await execa('cfn-lint', ['--ignore-checks', 'W3005', 'W3010', '--', ...templates], { reject: false });
    if (result.exitCode === undefined) throw new Error(`cfn-lint could not be run (${result.shortMessage}): pip install cfn-lint`);
    // cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
    expect(result.exitCode & 2, result.stdout).toBe(0);
    expect(result.stdout).toBe('');
  }, 600_000);
});
